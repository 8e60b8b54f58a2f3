import type { Redis } from 'ioredis'
import type { UserSource, UserState } from '../src/index.js'

const TTL_MS = 300_000

/**
 * The baseline the seeds descend from: one Redis GET per validation, the user state as JSON with
 * a 5-minute TTL (or `ttlMs`), and on a miss a user-source query and a SET — no L1, no single-flight,
 * no lock, no signature. The expiry is also kept in the value, so a simulated clock can age it.
 */
export function naiveCache(
  redis: Redis,
  prefix: string,
  source: UserSource,
  now: () => number = Date.now,
  ttlMs = TTL_MS,
) {
  return async (userId: string): Promise<UserState | null> => {
    const key = `${prefix}naive:${userId}`
    const hit = await redis.get(key)
    if (hit) {
      const { state, expiresAt } = JSON.parse(hit) as { state: UserState | null; expiresAt: number }
      if (expiresAt > now()) return state
    }
    const state = await source.fetchUser(userId, AbortSignal.timeout(5_000))
    await redis.set(key, JSON.stringify({ state, expiresAt: now() + ttlMs }), 'PX', ttlMs)
    return state
  }
}
