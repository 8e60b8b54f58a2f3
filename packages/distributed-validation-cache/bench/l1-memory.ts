import { randomUUID } from 'node:crypto'
import v8 from 'node:v8'
import vm from 'node:vm'
import { LRUCache } from 'lru-cache'
import { decodeEntry, encodeEntry } from '../src/tiers/entry.js'
import { LocalTier } from '../src/tiers/local.js'

const SECRET = 'l1-memory-benchmark-secret'
const COUNT = 50_000

interface Filled {
  set(id: string, now: number): Promise<void> | void
  readonly size: number
}

/**
 * Memory each of COUNT users adds, with forced GCs around the fill: the cache is built inside
 * the window (lru-cache allocates its per-slot arrays up front), and typed-array memory outside
 * the JS heap counts too.
 */
async function bytesPerUser(build: () => Filled): Promise<number> {
  v8.setFlagsFromString('--expose_gc')
  const gc = vm.runInNewContext('gc') as () => void
  const used = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage()
    return heapUsed + arrayBuffers
  }
  gc()
  const before = used()
  const cache = build()
  const now = Date.now()
  // Flat strings, as JSON.parse delivers a JWT's `sub`: crypto.randomUUID() returns a rope of
  // concatenated pieces (~490 bytes) that no real request carries.
  for (let i = 0; i < COUNT; i++)
    await cache.set((JSON.parse(JSON.stringify({ sub: randomUUID() })) as { sub: string }).sub, now)
  gc()
  const bytes = (used() - before) / COUNT
  if (cache.size !== COUNT) throw new Error('the cache evicted during the measurement')
  return Math.round(bytes)
}

const entry = (now: number) => ({
  state: { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null },
  checkedAt: now,
  freshUntil: now + 300_000,
})

/**
 * Bytes per user held in L1: everything L1 keeps alive counts — the id string it keys by, the
 * entry, and lru-cache's per-slot arrays. Every user here is a plain active one, whose state L1
 * shares (interned): the common case, and the cheapest. The reference is what an app's own
 * per-process memo would hold: lru-cache with a TTL, keeping the user row as JSON.parse gives it.
 */
export async function l1BytesPerUser(): Promise<{ l1: number; reference: number }> {
  const l1 = await bytesPerUser(() => {
    const tier = new LocalTier({ maxSize: COUNT, graceMs: 600_000 })
    return {
      async set(id, now) {
        const decoded = await decodeEntry(SECRET, id, await encodeEntry(SECRET, id, entry(now))) // as an L2 hit delivers it
        if (decoded.ok) tier.set(id, decoded.entry, now)
      },
      get size() {
        return tier.size
      },
    }
  })
  const reference = await bytesPerUser(() => {
    const memo = new LRUCache<string, object>({ max: COUNT, ttl: 300_000 })
    return {
      set: (id, now) =>
        void memo.set(
          id,
          JSON.parse(JSON.stringify({ id, banned_until: null, deleted_at: null, ...entry(now) })) as object,
        ),
      get size() {
        return memo.size
      },
    }
  })
  return { l1, reference }
}
