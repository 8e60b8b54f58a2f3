import type { CacheEvent, Tier } from '../events.js'
import type { SourceAnswer } from '../sources/source-query.js'
import type { CacheEntry } from '../tiers/entry.js'
import type { RawRead, SharedTier } from '../tiers/shared.js'
import type { UserState } from '../user-state.js'
import type { FleetChannel } from './channel.js'
import type { FillWaiters } from './fill-waiters.js'
import type { FleetSync } from './sync.js'
import type { RecentInvalidations } from './recent-invalidations.js'

/**
 * An instance that could not read the change log yet (its first read failed or timed out: a cold
 * start on a slow link) knows no user's order, so a replayed entry cannot be told from a fill. It
 * believes only an entry read from the source at most this long before it found the lock held: a
 * replay of that age hides a change made under a second before — within the lockout promise.
 */
const UNSEEDED_FILL_WINDOW_MS = 1_000

/**
 * What one lookup found: the entry and its tier; none when the store and the source both failed,
 * with the stale entry L2 held, if any (served within grace).
 */
export type Resolved = { entry: CacheEntry; tier: Tier } | { entry: undefined; tier: 'none'; stale?: CacheEntry }

export interface SharedLookupParts {
  l2: SharedTier
  sync: FleetSync
  channel: FleetChannel
  waiters: FillWaiters
  invalidated: RecentInvalidations
  emit: (event: CacheEvent) => void
  query: (userId: string) => Promise<SourceAnswer>
  entryOf: (state: UserState, readAt: number) => CacheEntry
  /** Fills L1 unless the user changed meanwhile (cache.ts); `knownAt` as in LocalTier.set. */
  keep: (userId: string, entry: CacheEntry, tier: Tier, since: number, knownAt?: number) => Resolved
  lockTtlMs: number
  now: () => number
}

/**
 * L1 missed: L2 and the fleet lock in one round trip, then — on one instance of the fleet at a time —
 * the user source, whose answer is written, the lock released and the fill broadcast in one more.
 * Every other instance waits for that fill (woken by its broadcast; looking at L2 itself every
 * `pollMs`, as a broadcast may be lost) instead of asking the source: one query per user per TTL.
 *
 * An instance whose proof is old (a new one, one without a subscription back from an idle spell)
 * sends a change-log read beside the first L2 read and judges the entry only once the log is read:
 * a replayed entry is refused by the order of a change only the log may have told it. It takes the
 * lock all the same, so a fleet of new instances still asks the source once — also when a new
 * instance's first read failed (UNSEEDED_FILL_WINDOW_MS). An entry it cannot believe (a replay,
 * tampered) is a miss that locks. A store that does not answer is skipped: the source is asked
 * unlocked, nothing is written.
 */
export async function lookupShared(p: SharedLookupParts, userId: string, since: number): Promise<Resolved> {
  const token = crypto.randomUUID()
  const started = performance.now()
  const [seeded, first] = await Promise.all([
    (p.sync.seeded && p.sync.proven(started)) || p.sync.renew(),
    p.l2.readOrLock(userId, token, p.lockTtlMs),
  ])
  if ('unavailable' in first) return (await queryUnlocked(p, userId, since)) ?? { entry: undefined, tier: 'none' }
  let stale: CacheEntry | undefined
  let heldSince: number | undefined // when this lookup first found the lock held (the store's time)
  const believed = async (raw: string | null, recount = false) => {
    if (raw === null) return undefined
    const judged = await p.l2.judge(userId, raw, p.now(), { recount })
    // The log read beside this lookup failed (a log key of another type, a timeout): judged as
    // unseeded unless another read has proven this instance since — never on a proof that lapsed.
    if (seeded || (p.sync.seeded && p.sync.proven())) {
      stale = judged.stale ?? stale
      return judged.fresh
    }
    // The log unread: only the fill this lookup waited for, read from the source while it waited.
    const fill = judged.fresh
    return fill && heldSince !== undefined && fill.checkedAt >= heldSince - UNSEEDED_FILL_WINDOW_MS ? fill : undefined
  }
  const none = (): Resolved => ({ entry: undefined, tier: 'none', ...(stale ? { stale } : {}) })
  const deadline = performance.now() + 2 * p.lockTtlMs
  let read: RawRead = first
  let looked = started // when the last look at L2 was sent: a fill heard after it is news
  let fresh = await believed(read.raw, true)
  let heard: string | undefined // the fill, when it came by broadcast (it may have been on the way for long)
  for (;;) {
    if (fresh) {
      // Found near the end of its freshness, with the lock: served now, refreshed behind the answer.
      if (read.lock === 'acquired') void queryAndFill(p, userId, token).catch(() => null)
      return p.keep(userId, fresh, 'l2', since, heard === undefined ? undefined : fresh.checkedAt)
    }
    const lock = read.lock === 'skipped' ? await p.l2.tryLock(userId, p.lockTtlMs, token) : read.lock
    if (lock === 'store-unavailable') return (await queryUnlocked(p, userId, since)) ?? none()
    if (lock === 'acquired') {
      p.emit({ type: 'lock', outcome: 'acquired' })
      return (await queryAndFill(p, userId, token)) ?? none()
    }
    // Held: the holder's fill, heard or looked for. An honest holder fills or lets go within the
    // lock's TTL; a lock still held after twice that was set by someone else (a Redis writer
    // holding users out): asked unlocked, as a store that does not answer is.
    heldSince ??= p.now()
    if (performance.now() > deadline) {
      p.emit({ type: 'lock', outcome: 'took-over' })
      return (await queryUnlocked(p, userId, since)) ?? none()
    }
    // 60 ms even while listening: some waiters of a revocation are not woken by its broadcast (not
    // yet understood; the revocation bench's p99 was ~260 ms with a 250 ms look, ~73 ms with this).
    heard = await p.waiters.next(userId, p.channel.listening ? 60 : 50, looked)
    fresh = heard === undefined ? undefined : await believed(heard)
    if (!fresh) {
      heard = undefined
      looked = performance.now()
      const again = await p.l2.readOrLock(userId, token, p.lockTtlMs)
      if ('unavailable' in again) return none()
      read = again
      fresh = await believed(read.raw)
    } else read = { raw: heard!, lock: 'held' }
    if (fresh) p.emit({ type: 'lock', outcome: 'waited-for-fill' })
  }
}

/**
 * Holding the lock: the source, then L2 written, the lock released and the fill broadcast together.
 * The answer is known as of when the query was sent (its stamp): L1's short window counts from then,
 * so a slow answer that may predate a change this instance cannot hear is kept no longer for it.
 * Only a change heard after the query was sent can be newer than its answer: every change is in
 * the user source before it is announced (a forewarning, a broadcast, the change log), so one heard
 * earlier in the lookup — a new instance's first log read, a catch-up — is in the answer already.
 */
async function queryAndFill(p: SharedLookupParts, userId: string, token: string) {
  // Resolved | null: null when the source did not answer (the lock is released for the next try).
  const since = performance.now()
  const answer = await p.query(userId)
  if (!answer.ok) {
    await p.l2.unlock(userId)
    return null
  }
  const entry = p.entryOf(answer.state, answer.readAt)
  await p.l2.fill(userId, entry, p.now(), {
    token,
    // A change heard while the source answered: its state may predate it, so it is not written.
    writable: () => !p.invalidated.since(userId, since) && !p.sync.order.isOlder(userId, entry.checkedAt),
    announce: (value) => p.channel.fillAnnouncement(userId, value),
  })
  return p.keep(userId, entry, 'source', since, entry.checkedAt)
}

/** The store did not answer: a slot that just timed out would time out the lock and the write too. */
async function queryUnlocked(p: SharedLookupParts, userId: string, since: number): Promise<Resolved | null> {
  const answer = await p.query(userId)
  return answer.ok ? p.keep(userId, p.entryOf(answer.state, answer.readAt), 'source', since, answer.readAt) : null
}
