import type { ConnectionOptions } from 'node:tls'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { withDeadline } from '../deadline.js'
import { parseRedisUrl, type RedisConnection } from './redis-url.js'
import type { BeatOptions, MetricsStore, Store } from './store.js'
import { entriesOf, REPLACE_LOG_SCRIPT } from './log-entries.js'
import { BEAT, beatReply, FILL, fillReply, px, READ_OR_LOCK, readOrLockReply } from './scripts.js'
import {
  READ_METRICS_SCRIPT,
  RECORD_METRICS_SCRIPT,
  readMetricsArguments,
  readMetricsReply,
  recordMetricsArguments,
} from './metrics-script.js'

export interface RedisStoreOptions {
  /** Bound on establishing a connection. Default 2,000 ms. */
  connectTimeoutMs?: number
  /** Bound on any command; the cache's own guard is usually tighter. Default 1,000 ms. */
  commandTimeoutMs?: number
  /** Connection errors, for logging (they also surface as failed commands, which the cache counts). */
  onError?: (error: Error) => void
  /** TLS settings for rediss:// URLs, e.g. `{ ca }` for a private CA. Default: Node's trusted CAs. */
  tls?: ConnectionOptions
}

type Client = Redis | Cluster

/** A real Redis over TCP: single node, TLS, Sentinel or Cluster, chosen by the URL. */
export function redisStore(url: string | RedisConnection, options: RedisStoreOptions = {}): Store & MetricsStore {
  const connection = typeof url === 'string' ? parseRedisUrl(url) : url
  const client = connect(connection, options)
  const subscribers = new Set<Client>()
  let closed = false
  const commandTimeoutMs = options.commandTimeoutMs ?? 1_000
  // ioredis applies commandTimeout per node; a Cluster with no reachable node queues commands
  // until it is ready, i.e. forever. Bound them here so every mode fails the same way.
  const bounded = <T>(command: Promise<T>): Promise<T> =>
    connection.mode === 'cluster'
      ? withDeadline(
          command,
          commandTimeoutMs,
          () => new Error(`Redis Cluster command timed out after ${commandTimeoutMs} ms`),
        )
      : command
  return {
    backend: 'redis',
    get: (key) => bounded(client.get(key)),
    async set(key, value, { ttlMs, onlyIfAbsent }) {
      const px = Math.max(1, Math.ceil(ttlMs))
      const reply = await bounded(
        onlyIfAbsent ? client.set(key, value, 'PX', px, 'NX') : client.set(key, value, 'PX', px),
      )
      return reply === 'OK'
    },
    async delete(key) {
      await bounded(client.del(key))
    },
    // EVALSHA, and EVAL once per connection where the script is not loaded yet (ioredis does that).
    readOrLock: async (keys, { token, lockTtlMs, lockBelowTtlMs }) =>
      readOrLockReply(
        await bounded(scripts(client).dvcReadOrLock(keys.entry, keys.lock, token, px(lockTtlMs), lockBelowTtlMs)),
      ),
    async fill(keys, value, { ttlMs, token, publish }) {
      const { channel = '', message = '' } = publish ?? {}
      return fillReply(
        await bounded(scripts(client).dvcFill(keys.entry, keys.lock, value, px(ttlMs), token, channel, message)),
      )
    },
    // Not on a Cluster: the lease and the log are in different slots (one script touches one slot).
    ...(connection.mode === 'cluster'
      ? {}
      : {
          beat: async (keys: { lease: string; log: string }, o: BeatOptions) =>
            beatReply(
              await bounded(
                scripts(client).dvcBeat(keys.lease, keys.log, o.token, px(o.leaseTtlMs), o.head, o.channel, o.message),
              ),
            ),
        }),
    async publish(channel, message) {
      await bounded(client.publish(channel, message))
    },
    async appendLog(key, entry, maxLength, keepMs) {
      const [id] = throwFirstError(
        await bounded(
          client
            .pipeline()
            .xadd(key, 'MAXLEN', '~', maxLength, '*', 'e', entry)
            .pexpire(key, Math.max(1, Math.ceil(keepMs)))
            .exec(),
        ),
      ) as [string, number]
      return id
    },
    readLog: async (key, after, limit) =>
      entriesOf(await bounded(client.xrange(key, `(${after}`, '+', 'COUNT', limit))),
    readLogTail: async (key, limit) =>
      entriesOf(await bounded(client.xrevrange(key, '+', '-', 'COUNT', limit))).reverse(),
    // EVAL, not EVALSHA: this runs only after an attack (or a clock step), where one more command is nothing.
    replaceLog: async (key, aheadMs) => (await bounded(client.eval(REPLACE_LOG_SCRIPT, 1, key, aheadMs))) === 1,
    async incrementFields(key, deltas, ttlMs) {
      const pipeline = client.pipeline()
      for (const [field, delta] of Object.entries(deltas)) pipeline.hincrby(key, field, delta)
      pipeline.pexpire(key, Math.max(1, Math.ceil(ttlMs)))
      throwFirstError(await bounded(pipeline.exec()))
    },
    async readFields(keys) {
      if (keys.length === 0) return []
      const pipeline = client.pipeline()
      for (const key of keys) pipeline.hgetall(key)
      return throwFirstError(await bounded(pipeline.exec())).map((hash) => numbers(hash as Record<string, string>))
    },
    async addDistinct(key, members, ttlMs) {
      if (members.length === 0) return
      const pipeline = client
        .pipeline()
        .pfadd(key, ...members)
        .pexpire(key, Math.max(1, Math.ceil(ttlMs)))
      throwFirstError(await bounded(pipeline.exec()))
    },
    async countDistinct(keys) {
      return keys.length === 0 ? 0 : bounded(client.pfcount(...keys))
    },
    // EVAL, not EVALSHA: one command every time. EVALSHA answers NOSCRIPT on a server that has not
    // seen the script yet (a restart, a failover) and costs a second; the script is ~600 bytes.
    async recordMetrics(record) {
      const { keys, args } = recordMetricsArguments(record)
      await bounded(client.eval(RECORD_METRICS_SCRIPT, keys.length, ...keys, ...args))
    },
    async readMetrics(query) {
      const { keys, args } = readMetricsArguments(query)
      const reply = await bounded(client.eval(READ_METRICS_SCRIPT, keys.length, ...keys, ...args))
      return readMetricsReply(reply, query.counters.length)
    },
    async subscribe(channel, { onMessage, onListening }) {
      // A subscribed connection can do nothing else, so it gets its own. ioredis re-subscribes
      // only channels it saw confirmed, so one that failed while Redis was down would stay
      // deaf for good: subscribe again on every (re)connect instead.
      const subscriber =
        client instanceof Cluster
          ? client.duplicate()
          : client.duplicate({ autoResubscribe: false, maxRetriesPerRequest: null })
      subscribers.add(subscriber)
      subscriber.on('error', (error: Error) => options.onError?.(error))
      subscriber.on('message', (from: string, message: string) => from === channel && onMessage(message))
      let confirm: () => void = () => undefined
      const firstConfirmation = new Promise<void>((resolve) => (confirm = resolve))
      subscriber.on('ready', () => {
        // Unlike Upstash's SSE URL, RESP sends the name length-prefixed: Redis subscribes to exactly
        // it. ioredis resolves only a count and keeps the confirmed name internal, so nothing to compare.
        subscriber.subscribe(channel).then(
          () => {
            onListening?.(true)
            confirm()
          },
          (error: Error) => options.onError?.(error),
        )
      })
      subscriber.on('close', () => onListening?.(false))
      // Do not hold startup hostage to a Redis that is down; the 'ready' handler finishes the job.
      await Promise.race([
        firstConfirmation,
        new Promise((resolve) => setTimeout(resolve, options.connectTimeoutMs ?? 2_000).unref()),
      ])
      const unsubscribe = async () => {
        subscribers.delete(subscriber)
        subscriber.removeAllListeners('close')
        await quit(subscriber)
      }
      // A connection a NAT forgot looks open to ioredis for hours: drop it and connect anew
      // ('close' reports the gap, 'ready' subscribes again).
      const reconnect = () => void (subscribers.has(subscriber) && subscriber.disconnect(true))
      // A Cluster client sends PING to any node of its pool, not over the connection that holds the
      // subscription: no in-band check there (a missed logged change still finds a deaf subscriber).
      if (subscriber instanceof Cluster) return Object.assign(unsubscribe, { reconnect })
      return Object.assign(unsubscribe, { reconnect, ping: async () => void (await subscriber.ping()) })
    },
    // ioredis fails what is queued, then connects anew. Not once closed: a late retry's failures may
    // still trip the breaker, and each disconnect of a quit client arms a 2 s timer (ref'd, ioredis's
    // wait for a 'close' that already came) — one after another, they kept `pnpm bench` from exiting.
    reconnect: () => void (closed || client.disconnect(true)),
    async close() {
      closed = true
      await Promise.all([...subscribers, client].map(quit))
      subscribers.clear()
    },
  }
}

function connect(connection: RedisConnection, options: RedisStoreOptions): Client {
  const shared: RedisOptions = {
    username: connection.username,
    password: connection.password,
    tls: connection.tls ? { ...options.tls } : undefined,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    // Fail a command after one reconnect attempt instead of queueing it for 20: the breaker takes over.
    maxRetriesPerRequest: 1,
  }
  const retryStrategy = (times: number) => Math.min(50 * 2 ** times, 2_000)
  const client: Client =
    connection.mode === 'cluster'
      ? new Cluster(connection.nodes, { redisOptions: shared, clusterRetryStrategy: retryStrategy })
      : connection.mode === 'sentinel'
        ? new Redis({
            ...shared,
            sentinels: connection.nodes,
            name: connection.masterName,
            db: connection.db,
            retryStrategy,
            sentinelPassword: connection.password,
            sentinelTLS: connection.tls ? { ...options.tls } : undefined,
            enableTLSForSentinelMode: connection.tls,
          })
        : new Redis({ ...shared, ...connection.nodes[0], db: connection.db, retryStrategy })
  client.on('error', (error: Error) => options.onError?.(error))
  client.defineCommand('dvcReadOrLock', { numberOfKeys: 2, lua: READ_OR_LOCK })
  client.defineCommand('dvcFill', { numberOfKeys: 2, lua: FILL })
  client.defineCommand('dvcBeat', { numberOfKeys: 2, lua: BEAT })
  return client
}

type Scripted = {
  dvcReadOrLock(...args: (string | number)[]): Promise<unknown>
  dvcFill(...args: (string | number)[]): Promise<unknown>
  dvcBeat(...args: (string | number)[]): Promise<unknown>
}
const scripts = (client: Client) => client as unknown as Scripted

async function quit(client: Client): Promise<void> {
  try {
    await Promise.race([client.quit(), new Promise((_, reject) => setTimeout(reject, 500).unref())])
  } catch {
    client.disconnect()
  }
}

// ioredis resolves a pipeline with [error, result] pairs instead of rejecting.
function throwFirstError(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error('Redis pipeline was discarded')
  const failed = replies.find(([error]) => error)
  if (failed) throw failed[0]
  return replies.map(([, result]) => result)
}

function numbers(hash: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(hash).map(([field, value]) => [field, Number(value)]))
}
