import { Redis } from '@upstash/redis'
import type { MetricsStore, Store } from './store.js'
import { entriesOf, REPLACE_LOG_SCRIPT } from './log-entries.js'
import {
  READ_METRICS_SCRIPT,
  RECORD_METRICS_SCRIPT,
  readMetricsArguments,
  readMetricsReply,
  recordMetricsArguments,
} from './metrics-script.js'
import { subscribeOverSse } from './sse-subscription.js'
import { BEAT, beatReply, FILL, fillReply, px, READ_OR_LOCK, readOrLockReply } from './scripts.js'

export interface UpstashStoreOptions {
  url: string
  token: string
  /** Aborts each REST call after this long. Default 1,000 ms. */
  timeoutMs?: number
  /**
   * Hold an SSE subscription for fleet broadcasts. Default true. Set false in serverless
   * functions, which die between requests: the fleet's change log bounds lockout there.
   */
  subscribe?: boolean
}

/** Marks the liveness probes an instance publishes to check its own stream; never signed entries. */
const PROBE = 'dvc-probe:'

/**
 * Upstash over its REST API. Cost, in billed commands (a script is one): an L1 hit sends nothing; an
 * L2 hit one (readOrLock); a miss two (readOrLock, fill); a revocation SET NX + PUBLISH (forewarning)
 * + SET + DEL + XADD and PEXPIRE (the change log) + PUBLISH = 7. The liveness proof is one
 * XRANGE about once a second while an instance serves (every ~250 ms without a subscription), none
 * while it is idle. Fleet metrics: one EVAL per flush (every 10 s while busy, none while idle), one
 * per report read.
 */
export function upstashStore(options: UpstashStoreOptions): Store & MetricsStore {
  const timeoutMs = options.timeoutMs ?? 1_000
  const client = new Redis({
    url: options.url,
    token: options.token,
    // We store our own signed serialization; letting the client JSON.parse it would hand back objects.
    automaticDeserialization: false,
    // A function, not a signal: a fixed signal would abort every later call once it fired.
    signal: () => AbortSignal.timeout(timeoutMs),
    retry: { retries: 1, backoff: () => 20 },
    enableTelemetry: false,
  })
  const subscriptions = new Set<() => void>()
  const readOrLockScript = client.createScript<unknown>(READ_OR_LOCK)
  const fillScript = client.createScript<unknown>(FILL)
  const beatScript = client.createScript<unknown>(BEAT)
  return {
    backend: 'upstash',
    get: (key) => client.get<string>(key),
    async set(key, value, { ttlMs, onlyIfAbsent }) {
      const px = Math.max(1, Math.ceil(ttlMs))
      const reply = onlyIfAbsent ? await client.set(key, value, { px, nx: true }) : await client.set(key, value, { px })
      return reply === 'OK'
    },
    async delete(key) {
      await client.del(key)
    },
    // EVALSHA, falling back to EVAL (one more billed command) the first time a database meets the script.
    readOrLock: async (keys, { token, lockTtlMs, lockBelowTtlMs }) =>
      readOrLockReply(
        await readOrLockScript.exec([keys.entry, keys.lock], [token, String(px(lockTtlMs)), String(lockBelowTtlMs)]),
      ),
    async fill(keys, value, { ttlMs, token, publish }) {
      const { channel = '', message = '' } = publish ?? {}
      return fillReply(
        await fillScript.exec([keys.entry, keys.lock], [value, String(px(ttlMs)), token, channel, message]),
      )
    },
    beat: async (keys, o) =>
      beatReply(
        await beatScript.exec(
          [keys.lease, keys.log],
          [o.token, String(px(o.leaseTtlMs)), o.head, o.channel, o.message],
        ),
      ),
    async publish(channel, message) {
      await client.publish(channel, message)
    },
    async appendLog(key, entry, maxLength, keepMs) {
      const [id] = await client
        .pipeline()
        .xadd(key, '*', { e: entry }, { trim: { type: 'MAXLEN', threshold: maxLength, comparison: '~' } })
        .pexpire(key, Math.max(1, Math.ceil(keepMs)))
        .exec<[string, number]>()
      return id
    },
    // XRANGE as Redis answers it: the REST API sends [[id, [field, value]], …].
    readLog: async (key, after, limit) =>
      entriesOf((await client.xrange(key, `(${after}`, '+', limit)) as unknown as Parameters<typeof entriesOf>[0]),
    readLogTail: async (key, limit) =>
      entriesOf((await client.xrevrange(key, '+', '-', limit)) as unknown as Parameters<typeof entriesOf>[0]).reverse(),
    // One billed command, and only after an attack (or a clock step).
    replaceLog: async (key, aheadMs) => (await client.eval(REPLACE_LOG_SCRIPT, [key], [String(aheadMs)])) === 1,
    async incrementFields(key, deltas, ttlMs) {
      const pipeline = client.pipeline()
      for (const [field, delta] of Object.entries(deltas)) pipeline.hincrby(key, field, delta)
      pipeline.pexpire(key, Math.max(1, Math.ceil(ttlMs)))
      await pipeline.exec()
    },
    async readFields(keys) {
      if (keys.length === 0) return []
      const pipeline = client.pipeline()
      for (const key of keys) pipeline.hgetall(key)
      // With deserialization off, HGETALL comes back as the flat [field, value, …] array Redis sends.
      return ((await pipeline.exec()) as (string[] | Record<string, string> | null)[]).map(fieldsOf)
    },
    async addDistinct(key, members, ttlMs) {
      if (members.length === 0) return
      const [first, ...rest] = members as [string, ...string[]]
      await client
        .pipeline()
        .pfadd(key, first, ...rest)
        .pexpire(key, Math.max(1, Math.ceil(ttlMs)))
        .exec()
    },
    async countDistinct(keys) {
      if (keys.length === 0) return 0
      const [first, ...rest] = keys as [string, ...string[]]
      return client.pfcount(first, ...rest)
    },
    // Upstash bills a script as one command. EVAL, not EVALSHA, which answers NOSCRIPT on a
    // database that has not seen it yet and costs a second request.
    async recordMetrics(record) {
      const { keys, args } = recordMetricsArguments(record)
      await client.eval(RECORD_METRICS_SCRIPT, keys, args)
    },
    async readMetrics(query) {
      const { keys, args } = readMetricsArguments(query)
      return readMetricsReply(await client.eval(READ_METRICS_SCRIPT, keys, args), query.counters.length)
    },
    async subscribe(channel, handlers) {
      if (options.subscribe === false) return null
      // SSE has no in-band PING: a probe is published to the channel and must come back on this
      // stream. Probes (ours and other instances') never reach the cache.
      const probes = new Map<string, () => void>()
      const onMessage = (message: string) => {
        if (!message.startsWith(PROBE)) return handlers.onMessage(message)
        probes.get(message)?.()
        probes.delete(message)
      }
      const { ready, stop, reconnect } = subscribeOverSse({
        url: options.url,
        token: options.token,
        channel,
        ...handlers,
        onMessage,
      })
      subscriptions.add(stop)
      await ready
      const unsubscribe = async () => {
        subscriptions.delete(stop)
        stop()
      }
      const ping = async () => {
        const probe = `${PROBE}${crypto.randomUUID()}`
        const heard = new Promise<void>((resolve) => probes.set(probe, resolve))
        await client.publish(channel, probe)
        if (probes.size > 16) probes.clear() // probes the caller gave up on (it bounds the wait)
        await heard
      }
      return Object.assign(unsubscribe, { reconnect, ping })
    },
    async close() {
      for (const stop of subscriptions) stop()
      subscriptions.clear()
    },
  }
}

function fieldsOf(reply: string[] | Record<string, string> | null): Record<string, number> {
  if (!reply) return {}
  const pairs: [string, unknown][] = Array.isArray(reply)
    ? reply.flatMap((v, i) => (i % 2 === 0 ? [[v, reply[i + 1]] as [string, unknown]] : []))
    : Object.entries(reply)
  return Object.fromEntries(pairs.map(([field, value]) => [field, Number(value)]))
}
