import { randomUUID } from 'node:crypto'
import v8 from 'node:v8'
import vm from 'node:vm'
import { LRUCache } from 'lru-cache'
import { decodeEntry, encodeEntry } from '../src/cache-entry.js'
import { LocalTier } from '../src/local-tier.js'

const SECRET = 'l1-memory-benchmark-secret'
const COUNT = 50_000

/** Heap bytes each of COUNT users adds, with forced GCs around the fill. */
function bytesPerUser(fill: (id: string, now: number) => void, size: () => number): number {
  v8.setFlagsFromString('--expose_gc')
  const gc = vm.runInNewContext('gc') as () => void
  gc()
  const before = process.memoryUsage().heapUsed
  const now = Date.now()
  // Flat strings, as JSON.parse delivers a JWT's `sub`: crypto.randomUUID() returns a rope of
  // concatenated pieces (~490 bytes) that no real request carries.
  for (let i = 0; i < COUNT; i++) fill((JSON.parse(JSON.stringify({ sub: randomUUID() })) as { sub: string }).sub, now)
  gc()
  const bytes = (process.memoryUsage().heapUsed - before) / COUNT
  if (size() !== COUNT) throw new Error('the cache evicted during the measurement')
  return Math.round(bytes)
}

/**
 * Heap bytes per user held in L1: everything L1 keeps alive counts — the id string it stores as
 * the key, the entry, and lru-cache's per-slot arrays. The reference is what an app's own
 * per-process memo would hold: lru-cache with a TTL, keeping the user row as JSON.parse gives it.
 */
export function l1BytesPerUser(): { l1: number; reference: number } {
  const entry = (now: number) => ({ state: { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }, checkedAt: now, freshUntil: now + 300_000 })
  const tier = new LocalTier({ maxSize: COUNT, graceMs: 600_000 })
  const l1 = bytesPerUser((id, now) => {
    const decoded = decodeEntry(SECRET, id, encodeEntry(SECRET, id, entry(now))) // as an L2 hit delivers it
    if (decoded.ok) tier.set(id, decoded.entry, now)
  }, () => tier.size)
  tier.clear()
  const memo = new LRUCache<string, object>({ max: COUNT, ttl: 300_000 })
  const reference = bytesPerUser((id, now) => memo.set(id, JSON.parse(JSON.stringify({ id, banned_until: null, deleted_at: null, ...entry(now) })) as object), () => memo.size)
  return { l1, reference }
}
