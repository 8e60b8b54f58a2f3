import type { CircuitBreaker } from '../circuit-breaker.js'
import { withDeadline } from '../deadline.js'
import type { CacheEvent } from '../events.js'
import type { UserSource } from './user-source.js'
import { clampTime, MISSING_USER, interned, isUserState, type UserState } from '../user-state.js'

/** When each query was sent, on the store's clock; `after(t)`: every later stamp exceeds t. */
export type ReadStamps = ((ago: number) => number) & { after: (time: number) => void }

/**
 * When each query was sent (epoch ms, the store's clock) — the state is at least that old, so that
 * orders it — strictly increasing for one cache: two reads in one millisecond (a fill, then a ban's
 * re-read) must still be ordered, or the older state would not count as older. A change's re-read
 * is stamped after its own forewarning (`after`), which orders the rest of its millisecond older.
 */
export function readStamps(now: () => number): ReadStamps {
  let last = 0
  const stamp = (ago: number) => (last = Math.max(now() - ago, last + 0.001))
  return Object.assign(stamp, { after: (time: number) => void (last = Math.max(last, time)) })
}

export type SourceAnswer =
  | { ok: true; state: UserState; readAt: number }
  | { ok: false; reason: 'error' | 'timeout' | 'circuit-open'; error?: unknown }

class SourceTimeout extends Error {}

/**
 * Asks the user source once, bounded by a timeout even if the source ignores its abort signal,
 * and guarded by a breaker so a store that is down costs requests nothing while it stays down.
 * An error, a timeout or a malformed answer is reported as such — never as a verdict.
 */
export async function querySource(
  source: UserSource,
  userId: string,
  timeoutMs: number,
  breaker: CircuitBreaker,
  emit: (event: CacheEvent) => void,
  readAtFor: (ago: number) => number = readStamps(Date.now),
): Promise<SourceAnswer> {
  if (!breaker.allow()) return { ok: false, reason: 'circuit-open' }
  const started = performance.now()
  const controller = new AbortController()
  try {
    const result: unknown = await withDeadline(
      source.fetchUser(userId, controller.signal),
      timeoutMs,
      () => new SourceTimeout(),
    )
    if (result !== null && !isUserState(result))
      throw new TypeError(`user source "${source.name}" returned a malformed user state`)
    breaker.success()
    const durationMs = performance.now() - started
    emit({ type: 'source-query', outcome: result ? 'found' : 'not-found', durationMs })
    // When it was sent, on the store's clock as read now: this very answer may be its first reading.
    const readAt = readAtFor(durationMs)
    return { ok: true, state: result ? interned(normalized(result)) : MISSING_USER, readAt }
  } catch (error) {
    breaker.failure()
    const timedOut = error instanceof SourceTimeout
    if (timedOut) controller.abort(new Error(`user source timed out after ${timeoutMs} ms`))
    emit({ type: 'source-query', outcome: timedOut ? 'timeout' : 'error', durationMs: performance.now() - started })
    return { ok: false, reason: timedOut ? 'timeout' : 'error', error }
  }
}

/**
 * Any source's state in the one form the cache keeps: times a Date can hold (a custom source may
 * say 1e300 for "forever"), and no `role` key when there is no role.
 */
function normalized(state: UserState): UserState {
  const bannedUntil = clampTime(state.bannedUntil)
  const sessionsRevokedAt = clampTime(state.sessionsRevokedAt)
  const hasRole = typeof state.role === 'string'
  if (
    bannedUntil === state.bannedUntil &&
    sessionsRevokedAt === state.sessionsRevokedAt &&
    (hasRole || !('role' in state))
  )
    return state
  return {
    exists: state.exists,
    deleted: state.deleted,
    bannedUntil,
    sessionsRevokedAt,
    ...(hasRole ? { role: state.role } : {}),
  }
}
