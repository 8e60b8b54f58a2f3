/** Reproducible request streams for the benchmarks: who asks, and on which instance. */

/** mulberry32: two replays from one seed see exactly the same requests. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Zipf(s) over n ranks, rank 0 the busiest user, as in real traffic. */
export function zipfSampler(n: number, random: () => number, s = 1.1): () => number {
  const cumulative = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) cumulative[i] = total += 1 / (i + 1) ** s
  return () => {
    const r = random() * total
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

export interface Request {
  user: number
  instance: number
}

/** Zipf(1.1) users spread at random over `instances` (a load balancer without affinity). */
export function* zipfTraffic(users: number, instances: number, count: number, seed = 42): Generator<Request> {
  const random = seeded(seed)
  const pick = zipfSampler(users, random)
  for (let i = 0; i < count; i++) yield { user: pick(), instance: Math.floor(random() * instances) }
}
