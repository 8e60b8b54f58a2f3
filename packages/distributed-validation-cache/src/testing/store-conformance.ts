import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Store } from '../stores/store.js'
import { describeMetricsConformance } from './metrics-conformance.js'
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

    it('takes the lock with a miss and fills only while it still holds the token (readOrLock, fill)', async ({
      skip,
    }) => {
      const store = backend.connect()
      if (!store.readOrLock || !store.fill) return skip()
      const keys = { entry: `${key('fill')}:entry`, lock: `${key('fill')}:lock` }
      const lockOptions = { lockTtlMs: 5_000, lockBelowTtlMs: 0 }
      expect(await store.readOrLock(keys, { token: 'mine', ...lockOptions })).toEqual({ value: null, lock: 'acquired' })
      expect(await backend.connect().readOrLock!(keys, { token: 'theirs', ...lockOptions })).toEqual({
        value: null,
        lock: 'held',
      })
      expect(await store.fill(keys, 'first', { ttlMs: 5_000, token: 'mine' })).toBe(true)
      expect([await store.get(keys.entry), await store.get(keys.lock)]).toEqual(['first', null])
      expect(await store.readOrLock(keys, { token: 'mine', ...lockOptions })).toEqual({
        value: 'first',
        lock: 'skipped',
      })
      // The lock gone (expired, or DELeted by a Redis writer) or another's: a late fill writes nothing.
      expect(await store.fill(keys, 'late', { ttlMs: 5_000, token: 'mine' })).toBe(false)
      await store.set(keys.lock, 'theirs', { ttlMs: 5_000 })
      expect(await store.fill(keys, 'late', { ttlMs: 5_000, token: 'mine' })).toBe(false)
      expect([await store.get(keys.entry), await store.get(keys.lock)]).toEqual(['first', 'theirs'])
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

    describeMetricsConformance(backend, prefix)
  })
}
