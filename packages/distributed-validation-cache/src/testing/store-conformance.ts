import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hasMetrics, type MetricsStore, type Store } from '../stores/store.js'
import { waitFor } from './wait-for.js'

/** A store under test. */
export interface StoreUnderTest {
  /** Names the suite, and keys its keys. */
  name: string
  /** A fresh client on the same backend: a second instance of the fleet. */
  connect(): Store
  /**
   * A client whose every call must fail (a closed port, a wrong password), or null where failure
   * is impossible (an in-process store): that test is then skipped, visibly.
   */
  broken: (() => Promise<Store>) | null
}

// Values that break naive stores: encodings, NUL bytes, line ends, numbers, 64 KiB.
const values = {
  unicode: 'ünïcødé — 日本語 — 🚀👩‍💻',
  nul: 'a\u0000b\u0000',
  newlines: 'line one\r\nline two\n',
  json: '{"exists":true,"n":[1,2,3]}',
  numeric: '12345',
  latin1: Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join(''),
  large: 'x'.repeat(64 * 1024),
  empty: '',
}

/**
 * The contract every store must keep for the cache above it, as a vitest suite: values byte for
 * byte, TTLs, set-if-absent (the lock), publish/subscribe and the subscription promises
 * (`onListening`, resubscribe on `reconnect`), the change log, failures surfaced as rejections,
 * and — when the store has them — the `MetricsStore` methods. Every built-in store runs it
 * (test/conformance.test.ts); run it on yours:
 *
 * ```ts
 * import { describeStoreConformance } from 'distributed-validation-cache/testing'
 * describeStoreConformance({ name: 'acme-kv', connect: () => acmeStore(url), broken: () => acmeStore(badUrl) })
 * ```
 * Keys start with a random prefix; the stores it opens are the caller's to close.
 */
export function describeStoreConformance(backend: StoreUnderTest): void {
  const prefix = `conformance:${randomUUID()}:`
  describe(`store conformance: ${backend.name}`, () => {
    const key = (name: string) => `${prefix}{${backend.name}:${name}}`

    it('answers null for a key that was never set', async () => {
      expect(await backend.connect().get(key('never-set'))).toBeNull()
    })

    it.each(Object.entries(values))('round-trips a %s value byte for byte', async (name, value) => {
      const store = backend.connect()
      expect(await store.set(key(`value:${name}`), value, { ttlMs: 10_000 })).toBe(true)
      expect(await backend.connect().get(key(`value:${name}`))).toBe(value)
    })

    it('overwrites, then deletes; deleting a missing key is fine', async () => {
      const store = backend.connect()
      await store.set(key('overwrite'), 'first', { ttlMs: 10_000 })
      await store.set(key('overwrite'), 'second', { ttlMs: 10_000 })
      expect(await store.get(key('overwrite'))).toBe('second')
      await store.delete(key('overwrite'))
      expect(await store.get(key('overwrite'))).toBeNull()
      await expect(store.delete(key('overwrite'))).resolves.toBeUndefined()
    })

    it('expires a key after its TTL', async () => {
      const store = backend.connect()
      await store.set(key('ttl'), 'short-lived', { ttlMs: 150 })
      expect(await store.get(key('ttl'))).toBe('short-lived')
      await waitFor(async () => (await store.get(key('ttl'))) === null, { timeoutMs: 3_000, what: 'TTL expiry' })
    })

    it('sets only if absent (the lock primitive), and again once the key expired', async () => {
      const store = backend.connect()
      expect(await store.set(key('nx'), 'holder-a', { ttlMs: 200, onlyIfAbsent: true })).toBe(true)
      expect(await backend.connect().set(key('nx'), 'holder-b', { ttlMs: 200, onlyIfAbsent: true })).toBe(false)
      expect(await store.get(key('nx'))).toBe('holder-a')
      await waitFor(async () => store.set(key('nx'), 'holder-c', { ttlMs: 200, onlyIfAbsent: true }), {
        timeoutMs: 3_000,
        what: 'lock expiry',
      })
      expect(await store.get(key('nx'))).toBe('holder-c')
    })

    it('delivers a published message to a subscriber on another connection, and stops after unsubscribe', async () => {
      const channel = `${prefix}channel:${backend.name.split(' ')[0]}`
      const received: string[] = []
      const unsubscribe = await backend.connect().subscribe(channel, { onMessage: (m) => received.push(m) })
      expect(unsubscribe).not.toBeNull()
      const publisher = backend.connect()
      await publisher.publish(channel, values.unicode)
      await publisher.publish(channel, values.json)
      await waitFor(() => received.length === 2, { what: 'two messages' })
      expect(received).toEqual([values.unicode, values.json])
      await unsubscribe!()
      // A marker published after it, received by a second subscriber: the server has handed out
      // 'after unsubscribe' by then, so a delivery to the first would have arrived (over SSE too).
      const markers: string[] = []
      const witness = await backend.connect().subscribe(`${channel}:marker`, { onMessage: (m) => markers.push(m) })
      await publisher.publish(channel, 'after unsubscribe')
      await publisher.publish(`${channel}:marker`, 'marker')
      await waitFor(() => markers.length === 1, { what: 'the marker' })
      expect(received).toEqual([values.unicode, values.json])
      await witness!()
    })

    it('reconnects a subscription on request (a quiet connection) and delivers on the new one', async ({ skip }) => {
      const channel = `${prefix}reconnect:${backend.name.split(' ')[0]}`
      const received: string[] = []
      const states: boolean[] = []
      const subscription = await backend
        .connect()
        .subscribe(channel, { onMessage: (m) => received.push(m), onListening: (on) => states.push(on) })
      if (!subscription?.reconnect) {
        await subscription?.()
        return skip() // reconnect is optional: nothing to reconnect in-process
      }
      await waitFor(() => states.at(-1) === true, { what: 'listening' })
      subscription.reconnect()
      await waitFor(() => states.includes(false) && states.at(-1) === true, {
        timeoutMs: 8_000,
        what: 'the gap reported, then listening again',
      })
      await backend.connect().publish(channel, 'after reconnect')
      await waitFor(() => received.includes('after reconnect'), { what: 'a message on the new connection' })
      await subscription()
    })

    it('keeps a log: ids the store assigns, growing; read after an id, oldest first; capped', async () => {
      const log = key('log')
      const store = backend.connect()
      const first = await store.appendLog(log, 'one', 100, 60_000)
      const second = await backend.connect().appendLog(log, 'two', 100, 60_000)
      const third = await store.appendLog(log, values.unicode, 100, 60_000)
      expect(new Set([first, second, third]).size).toBe(3)
      expect(await backend.connect().readLog(log, '0', 100)).toEqual([
        { id: first, entry: 'one' },
        { id: second, entry: 'two' },
        { id: third, entry: values.unicode },
      ])
      expect(await store.readLog(log, first, 100)).toEqual([
        { id: second, entry: 'two' },
        { id: third, entry: values.unicode },
      ])
      expect(await store.readLog(log, '0', 1)).toEqual([{ id: first, entry: 'one' }])
      expect(await store.readLog(log, third, 100)).toEqual([])
      expect(await store.readLog(key('no-log'), '0', 100)).toEqual([])
    })

    // Optional: without it, a new instance reads the whole log before it believes L2.
    it('reads the newest entries of the log, oldest first (readLogTail)', async ({ skip }) => {
      const store = backend.connect()
      if (!store.readLogTail) return skip()
      const log = key('tail')
      const ids = []
      for (const entry of ['one', 'two', 'three']) ids.push(await store.appendLog(log, entry, 100, 60_000))
      expect(await backend.connect().readLogTail!(log, 2)).toEqual([
        { id: ids[1], entry: 'two' },
        { id: ids[2], entry: 'three' },
      ])
      expect(await store.readLogTail(log, 100)).toHaveLength(3)
      expect(await store.readLogTail(key('no-tail'), 100)).toEqual([])
    })

    // Optional: without it, a log whose append failed for that reason is deleted.
    it('replaces a log only when no append can follow (replaceLog): never a good one', async ({ skip }) => {
      const store = backend.connect()
      if (!store.replaceLog) return skip()
      const log = key('replace')
      expect(await store.replaceLog(log, 5_000)).toBe(false) // no log
      const first = await store.appendLog(log, 'kept', 100, 60_000)
      expect(await backend.connect().replaceLog!(log, 5_000)).toBe(false) // its ids follow the store's clock
      expect(await store.readLog(log, '0', 100)).toEqual([{ id: first, entry: 'kept' }])
      // Someone SETs its key: where that reaches the log (Redis), appends fail until it is replaced.
      await store.set(log, 'not a log', { ttlMs: 60_000 })
      const appended = await store.appendLog(log, 'after', 100, 60_000).then(
        () => true,
        () => false,
      )
      if (appended) return // a store whose logs and keys live apart (in-process): nothing to replace
      expect(await store.replaceLog(log, 5_000)).toBe(true)
      const id = await store.appendLog(log, 'new log', 100, 60_000)
      expect(await backend.connect().readLog(log, '0', 100)).toEqual([{ id, entry: 'new log' }])
    })

    // An in-process LRU cannot be unreachable: skipped, visibly, for memory.
    it.skipIf(!backend.broken)('surfaces failures as rejections instead of hanging or answering null', async () => {
      const store = await backend.broken!()
      const bounded = <T>(p: Promise<T>) =>
        Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error('hung')), 5_000))])
      await expect(bounded(store.get(key('unreachable')))).rejects.not.toThrow('hung')
      await expect(bounded(store.set(key('unreachable'), 'v', { ttlMs: 1_000 }))).rejects.not.toThrow('hung')
    })

    // Fleet counters: keys of one family share a hash tag, as Cluster needs for PFCOUNT over several.
    const metricsKey = (name: string) => `${prefix}{${backend.name}:metrics}:${name}`
    // Optional (MetricsStore): a store without it skips these, visibly.
    const metrics = (skip: () => never): Store & MetricsStore => {
      const store = backend.connect()
      return hasMetrics(store) ? store : skip()
    }

    it('adds to hash fields across connections and reads them back as numbers; a missing hash is {}', async ({
      skip,
    }) => {
      await metrics(skip).incrementFields(metricsKey('hour-1'), { validations: 3, hits: 2 }, 10_000)
      await metrics(skip).incrementFields(metricsKey('hour-1'), { validations: 4, misses: 1 }, 10_000)
      expect(await metrics(skip).readFields([metricsKey('hour-1'), metricsKey('never')])).toEqual([
        { validations: 7, hits: 2, misses: 1 },
        {},
      ])
      expect(await metrics(skip).readFields([])).toEqual([])
    })

    it('expires counter hashes after their TTL', async ({ skip }) => {
      const store = metrics(skip)
      await store.incrementFields(metricsKey('short'), { n: 1 }, 150)
      await waitFor(async () => Object.keys((await store.readFields([metricsKey('short')]))[0]!).length === 0, {
        timeoutMs: 3_000,
        what: 'hash expiry',
      })
    })

    it('counts distinct members across HyperLogLogs, each member once', async ({ skip }) => {
      const members = Array.from({ length: 40 }, (_, i) => `member-${i}`)
      await metrics(skip).addDistinct(metricsKey('users-1'), members.slice(0, 30), 10_000)
      await metrics(skip).addDistinct(metricsKey('users-2'), members.slice(20), 10_000) // 10 overlap
      await metrics(skip).addDistinct(metricsKey('users-2'), [], 10_000)
      const count = await metrics(skip).countDistinct([
        metricsKey('users-1'),
        metricsKey('users-2'),
        metricsKey('users-none'),
      ])
      expect(Math.abs(count - 40)).toBeLessThanOrEqual(1) // HyperLogLog is exact to ±1 at this size
      expect(await metrics(skip).countDistinct([])).toBe(0)
    })

    // recordMetrics is optional too: FleetMetrics falls back to the methods above without it.
    const recording = (skip: () => never) => {
      const store = metrics(skip)
      return store.recordMetrics ? { store, record: store.recordMetrics.bind(store) } : skip()
    }
    const flushOf = (
      name: string,
      member: string,
      deltas: Record<string, number>,
      users: string[],
      ttlMs = 10_000,
    ) => ({
      counters: { key: metricsKey(`${name}:h`), deltas },
      instances: { key: metricsKey(`${name}:i`), member },
      users: { key: metricsKey(`${name}:u`), members: users },
      ttlMs,
    })

    it('records a flush in one call: counters, the instance, the users — from two connections', async ({ skip }) => {
      const users = Array.from({ length: 2_500 }, (_, i) => `user-${i}`) // past Lua's unpack() bound in one call
      await recording(skip).record(flushOf('flush', 'a', { validations: 3, hits: 2 }, users.slice(0, 2_000)))
      await recording(skip).record(flushOf('flush', 'b', { validations: 4, misses: 1 }, users.slice(1_000)))
      await recording(skip).record(flushOf('flush', 'a', {}, []))
      const { store } = recording(skip)
      expect(await store.readFields([metricsKey('flush:h'), metricsKey('flush:i')])).toEqual([
        { validations: 7, hits: 2, misses: 1 },
        { a: 2, b: 1 },
      ])
      const count = await store.countDistinct([metricsKey('flush:u')])
      expect(Math.abs(count - 2_500)).toBeLessThanOrEqual(50) // HyperLogLog: ±0.81 % standard error
    })

    it('refuses a fractional delta before writing anything of that flush', async ({ skip }) => {
      const { store, record } = recording(skip)
      await expect(record(flushOf('refused', 'a', { whole: 1, half: 0.5 }, ['u']))).rejects.toThrow()
      expect(await store.readFields([metricsKey('refused:h'), metricsKey('refused:i')])).toEqual([{}, {}])
      expect(await store.countDistinct([metricsKey('refused:u')])).toBe(0)
    })

    it('expires every key a recorded flush wrote after its TTL', async ({ skip }) => {
      const { store, record } = recording(skip)
      await record(flushOf('short', 'a', { n: 1 }, ['u1', 'u2'], 150))
      expect(await store.countDistinct([metricsKey('short:u')])).toBe(2)
      const gone = async () =>
        (await store.readFields([metricsKey('short:h'), metricsKey('short:i')])).every((h) => !Object.keys(h).length) &&
        (await store.countDistinct([metricsKey('short:u')])) === 0
      await waitFor(gone, { timeoutMs: 3_000, what: 'every key of the flush expired' })
    })
  })
}
