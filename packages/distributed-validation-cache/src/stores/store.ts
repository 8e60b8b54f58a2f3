/**
 * The shared (L2) store. Deliberately small, so every backend can implement it the same way
 * and one conformance suite can prove it (`distributed-validation-cache/testing`). Values are
 * strings: the cache serializes itself. Fleet-wide metrics need the `MetricsStore` methods too.
 */
export interface Store {
  /** Named in stats and metrics: the built-in ones, or a third-party store's own name. */
  readonly backend: 'memory' | 'redis' | 'upstash' | (string & {})
  get(key: string): Promise<string | null>
  /** Returns false only when `onlyIfAbsent` is set and the key already existed (SET NX PX). */
  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean>
  delete(key: string): Promise<void>
  /** Broadcast to every instance; resolves when the store accepted the message. */
  publish(channel: string, message: string): Promise<void>
  /**
   * Listens on a channel until the returned function is called; keeps re-subscribing after
   * connection loss. Resolves once listening, or after a bounded wait if the store is down.
   * Backends that cannot hold a subscription (Upstash in serverless) resolve null.
   */
  subscribe(channel: string, handlers: SubscriptionHandlers): Promise<Subscription | null>
  /**
   * Appends `entry` to a log capped at about `maxLength` entries that expires `keepMs` after its
   * last append (XADD MAXLEN ~, PEXPIRE); resolves the id the store gave it. Ids grow with every
   * append — the store's own order, no client's clock.
   */
  appendLog(key: string, entry: string, maxLength: number, keepMs: number): Promise<string>
  /** The entries after id `after` ('0': all), oldest first, at most `limit` (XRANGE (after + COUNT). */
  readLog(key: string, after: string, limit: number): Promise<LogEntry[]>
  /**
   * The newest `limit` entries, oldest first (XREVRANGE + - COUNT, reversed): where a new instance
   * starts when the log is too long to read whole in time. Optional: without it, it reads it all.
   */
  readLogTail?(key: string, limit: number): Promise<LogEntry[]>
  /**
   * Deletes the log if no append can follow in order — another type under its key, or a last id
   * more than `aheadMs` ahead of the store's own clock — and says whether it did. Atomic (a script):
   * an instance replacing the log never deletes the new log another one has appended to. Optional:
   * without it, a log whose append failed for either reason is deleted (DEL) before it is appended to again.
   */
  replaceLog?(key: string, aheadMs: number): Promise<boolean>
  /**
   * A miss in one round trip (optional; without it the cache sends GET, then SET NX): the entry, and
   * the user's lock taken with `token` when the entry is absent or lives at most `lockBelowTtlMs`
   * more (refresh-ahead: its freshness ends within that margin). `skipped`: the entry lives longer,
   * no lock was tried.
   */
  readOrLock?(
    keys: UserKeys,
    options: { token: string; lockTtlMs: number; lockBelowTtlMs: number },
  ): Promise<ReadOrLock>
  /**
   * A fill in one atomic round trip (optional; without it GET, SET, DEL and PUBLISH, not atomic):
   * only while the user's lock still holds `token`, writes the entry, releases the lock and publishes
   * `publish.message` so waiters and other instances take the entry without a GET. False, with
   * nothing written, when the lock is gone or another's (stores/scripts.ts FILL says why).
   */
  fill?(
    keys: UserKeys,
    value: string,
    options: { ttlMs: number; token: string; publish?: { channel: string; message: string } },
  ): Promise<boolean>
  /**
   * The fleet heartbeat in one round trip (optional; without it every listening instance reads the
   * change log itself, about once a second): see stores/scripts.ts BEAT. Not on Redis Cluster, where
   * the lease and the log live in different slots.
   */
  beat?(keys: { lease: string; log: string }, options: BeatOptions): Promise<'sent' | 'moved' | 'held'>
  /**
   * Replaces the connection, where there is one: after commands timed out, a TCP link may have
   * lost bytes silently, and every later reply would answer the wrong command.
   */
  reconnect?(): void
  close(): Promise<void>
}

/**
 * What fleet-wide metrics need beyond the cache itself: hourly counters and distinct users that
 * every instance adds to and any instance reads. Optional: with a store that lacks it,
 * `FleetMetrics` reports this instance alone. Every built-in store has it.
 */
export interface MetricsStore {
  /** Adds to integer fields of a hash (HINCRBY), then sets its TTL: fleet counters. */
  incrementFields(key: string, deltas: Record<string, number>, ttlMs: number): Promise<void>
  /** The hashes' fields as numbers (HGETALL); a missing hash reads as {}. */
  readFields(keys: string[]): Promise<Record<string, number>[]>
  /** Adds members to a HyperLogLog (PFADD), then sets its TTL: distinct users without storing them. */
  addDistinct(key: string, members: string[], ttlMs: number): Promise<void>
  /** Distinct members across the HyperLogLogs (PFCOUNT). In Cluster the keys must share a hash tag. */
  countDistinct(keys: string[]): Promise<number>
  /**
   * One flush in one store command, all of it or none: adds the counters (HINCRBY), counts one
   * flush for the instance (HINCRBY 1), adds the users (PFADD) and sets each key's TTL — one Lua
   * script on Redis and Upstash. Refuses a non-integer delta before writing anything. Optional:
   * without it, `FleetMetrics` makes the same writes with the methods above (a dozen commands).
   */
  recordMetrics?(record: MetricsRecord): Promise<void>
  /**
   * A report's read in one store command: the counter and instance hashes (as `readFields`) and
   * the distinct count over the HyperLogLogs (as `countDistinct`); the lists are equally long.
   * Optional: without it, `FleetMetrics` reads with those two (49 commands for 24 hours).
   */
  readMetrics?(query: MetricsQuery): Promise<MetricsRead>
}

/** The keys a report reads (see `MetricsStore.readMetrics`): one of each per hour. */
export interface MetricsQuery {
  counters: string[]
  instances: string[]
  users: string[]
}

export interface MetricsRead {
  counters: Record<string, number>[]
  instances: Record<string, number>[]
  distinct: number
}

/** What one flush adds to the fleet's metrics (see `MetricsStore.recordMetrics`). */
export interface MetricsRecord {
  counters: { key: string; deltas: Record<string, number> }
  instances: { key: string; member: string }
  users: { key: string; members: string[] }
  ttlMs: number
}

/** Whether a store can hold the fleet's metrics (see `MetricsStore`). */
export function hasMetrics(store: Store): store is Store & MetricsStore {
  const methods = store as Partial<MetricsStore>
  return [methods.incrementFields, methods.readFields, methods.addDistinct, methods.countDistinct].every(
    (method) => typeof method === 'function',
  )
}

export interface SubscriptionHandlers {
  onMessage(message: string): void
  /**
   * true once the subscription is confirmed, again after every reconnect; false when it drops.
   * Messages published while it was down are lost: the listener must assume it missed some.
   */
  onListening?(listening: boolean): void
}

/**
 * Ends a subscription. Where the backend can: `reconnect` replaces a connection that went quiet,
 * and `ping` asks the subscribed connection itself to answer in-band (Redis PING in subscriber
 * mode) — it settles only if bytes still flow both ways on that very connection.
 */
export type Subscription = (() => Promise<void>) & { reconnect?: () => void; ping?: () => Promise<void> }

export interface BeatOptions {
  /** The would-be leader's origin, held in the lease. */
  token: string
  leaseTtlMs: number
  /** The log id the beat vouches for: published only if it is still the log's newest. */
  head: string
  channel: string
  message: string
}

/** One user's entry and lock keys (one hash tag: a Cluster keeps them in one slot). */
export interface UserKeys {
  entry: string
  lock: string
}

export interface ReadOrLock {
  value: string | null
  lock: 'acquired' | 'held' | 'skipped'
}

export interface LogEntry {
  id: string
  entry: string
}
