import type { CircuitBreaker } from '../circuit-breaker.js'
import { withDeadline } from '../deadline.js'
import type { CacheEvent } from '../events.js'
import type { UserSource } from './user-source.js'
import { clampTime, MISSING_USER, interned, isUserState, type UserState } from '../user-state.js'

/** Stamps for source reads: `send()` as a query leaves, its stamp taken when it answers; `after(t)`. */
export interface ReadStamps {
  /** Called as a query is sent; the returned function stamps its answer, `ago` ms after sending. */
  send(): (ago: number) => number
  /** Every query sent from now on is stamped later than `time`. */
  after(time: number): void
}

/**
 * When each query was sent (epoch ms, the store's clock) — the state is at least that old, so that
 * orders it. Its floor is fixed at send time: a query sent later (a ban's re-read, after its own
 * forewarning) is stamped later, so two reads in one millisecond are still ordered — and a slow
 * query sent before a change is never stamped after it, however late it answers and whatever was
 * stamped meanwhile. The time itself is read at the answer (`now() - ago`): on a source that tells
 * its clock with each answer (sql-source.ts), the first answer may be its first reading.
 */
export function readStamps(now: () => number): ReadStamps {
  let last = 0
  return {
    send() {
      const floor = last
      return (ago) => {
        const stamp = Math.max(now() - ago, floor + 0.001)
        last = Math.max(last, stamp)
        return stamp
      }
    },
    after: (time) => void (last = Math.max(last, time)),
  }
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
  stamps: ReadStamps = readStamps(Date.now),
): Promise<SourceAnswer> {
  if (!breaker.allow()) return { ok: false, reason: 'circuit-open' }
  const started = performance.now()
  const stamp = stamps.send()
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
    const readAt = stamp(durationMs)
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
