import { randomUUID } from 'node:crypto'
import { createValidationCache, redisStore, type UserSource, type UserState } from '../src/index.js'

/**
 * Time from revoke() on one instance until both others answer "revoked", over `trials` users.
 * Three engines with their own Redis connections (as three servers would have), one process.
 */
export async function revocationLatency(redisUrl: string, trials = 100): Promise<number[]> {
  const users = new Map<string, UserState>()
  const source: UserSource = {
    name: 'in-memory',
    fetchUser: async (id) => users.get(id) ?? null,
    setSessionsRevokedAt: async (id, at) => void users.set(id, { ...users.get(id)!, sessionsRevokedAt: at }),
  }
  const options = { source, prefix: `bench:revoke:${randomUUID()}:`, secret: 'revocation-benchmark-secret' }
  const [a, b, c] = [0, 1, 2].map(() => createValidationCache({ ...options, store: redisStore(redisUrl) })) as [ReturnType<typeof createValidationCache>, ReturnType<typeof createValidationCache>, ReturnType<typeof createValidationCache>]
  await Promise.all([a.ready(), b.ready(), c.ready()])
  const samples: number[] = []
  try {
    for (let i = 0; i < trials; i++) {
      const id = randomUUID()
      users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null })
      const issuedAt = Date.now() - 1_000
      for (const cache of [a, b, c]) await cache.validate(id, { issuedAt }) // warm: every L1 says active
      const started = performance.now()
      void a.revoke(id)
      for (const cache of [b, c]) {
        while ((await cache.validate(id, { issuedAt })).verdict !== 'revoked') await new Promise((resolve) => setImmediate(resolve))
      }
      samples.push(performance.now() - started)
    }
  } finally {
    await Promise.all([a.close(), b.close(), c.close()])
  }
  return samples.sort((x, y) => x - y)
}
