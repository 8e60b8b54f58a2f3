import { randomUUID } from 'node:crypto'
import v8 from 'node:v8'
import vm from 'node:vm'
import { createValidationCache, redisStore, type UserSource } from '../src/index.js'
import { decodeEntry, encodeEntry } from '../src/cache-entry.js'
import { LocalTier } from '../src/local-tier.js'

const SECRET = 'l1-memory-benchmark-secret'

/** Zipf(s) over n ranks: rank 1 is the busiest user, as in real traffic. */
function zipfSampler(n: number, s = 1.1): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s)
  const total = weights.reduce((a, b) => a + b, 0)
  const cumulative: number[] = []
  weights.reduce((acc, w, i) => ((cumulative[i] = acc + w / total), acc + w / total), 0)
  return () => {
    const r = Math.random()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! < r) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/**
 * Shared-store commands per validation at steady state: Zipf-distributed traffic over 10,000
 * users, measured over a second window of 200,000 validations after a first one of the same
 * size, both within one TTL. The figure depends on how many requests a user makes per TTL;
 * a cold start (every first sighting: GET, lock, SET, unlock) is what the first window absorbs.
 */
export async function commandsPerValidation(redisUrl: string): Promise<{ validations: number; commands: number; perValidation: number }> {
  const ids = Array.from({ length: 10_000 }, () => randomUUID())
  const source: UserSource = { name: 'in-memory', fetchUser: async () => ({ exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }), setSessionsRevokedAt: async () => undefined }
  const cache = createValidationCache({ source, store: redisStore(redisUrl), prefix: `bench:zipf:${randomUUID()}:`, secret: 'zipf-benchmark-secret-01' })
  await cache.ready()
  const pick = zipfSampler(ids.length)
  try {
    const validations = 200_000
    for (let i = 0; i < validations; i++) await cache.validate(ids[pick()]!) // the first window
    const before = cache.stats()
    for (let i = 0; i < validations; i++) await cache.validate(ids[pick()]!)
    const commands = cache.stats().store.commands - before.store.commands
    return { validations, commands, perValidation: commands / validations }
  } finally {
    await cache.close()
  }
}

/**
 * Heap bytes per user held in L1: everything L1 keeps alive counts — the id string it stores as
 * the key, the entry, and lru-cache's per-slot arrays — measured with forced GCs around 50,000.
 * Ids are flat strings, as JSON.parse delivers a JWT's `sub`: crypto.randomUUID() returns a
 * rope of concatenated pieces (~490 bytes) that no real request carries.
 */
export function l1BytesPerUser(): number {
  v8.setFlagsFromString('--expose_gc')
  const gc = vm.runInNewContext('gc') as () => void
  const count = 50_000
  gc()
  const before = process.memoryUsage().heapUsed
  const tier = new LocalTier({ maxSize: count, graceMs: 600_000 })
  const now = Date.now()
  for (let i = 0; i < count; i++) {
    const { sub: id } = JSON.parse(JSON.stringify({ sub: randomUUID() })) as { sub: string }
    const entry = { state: { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }, checkedAt: now, freshUntil: now + 300_000 }
    const decoded = decodeEntry(SECRET, id, encodeEntry(SECRET, id, entry)) // as an L2 hit delivers it
    if (decoded.ok) tier.set(id, decoded.entry, now)
  }
  gc()
  const bytes = (process.memoryUsage().heapUsed - before) / count
  if (tier.size !== count) throw new Error('L1 evicted during the measurement')
  return Math.round(bytes)
}
