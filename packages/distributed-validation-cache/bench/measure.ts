/** Latency sampling shared by the benchmarks: per-call percentiles from batches of sequential calls. */
export interface Figure {
  p50Us: number
  p99Us: number
  opsPerSec: number
}

/**
 * Times `call` in batches and reports per-call latency. Batching keeps the timer's own cost
 * (~40 ns) out of sub-microsecond figures; `perCall` samples each call when every call is
 * different work (e.g. a new user per miss): calls get indexes 0…warmup+iterations-1, each once.
 */
export async function measure(
  call: (i: number) => unknown,
  { iterations, batch = 1, warmup = 1_000 }: { iterations: number; batch?: number; warmup?: number },
): Promise<Figure> {
  for (let i = 0; i < warmup; i++) await call(i)
  const samples: number[] = []
  const started = performance.now()
  for (let done = 0; done < iterations; done += batch) {
    const t0 = process.hrtime.bigint()
    for (let j = 0; j < batch; j++) await call(warmup + done + j) // warm-up used the first indexes
    samples.push(Number(process.hrtime.bigint() - t0) / 1_000 / batch)
  }
  const elapsedMs = performance.now() - started
  samples.sort((a, b) => a - b)
  return {
    p50Us: percentile(samples, 0.5),
    p99Us: percentile(samples, 0.99),
    opsPerSec: Math.round((iterations / elapsedMs) * 1000),
  }
}

/** The q-quantile of ascending `sorted`, by nearest rank: p99 of 100 samples is the 99th, not the max. */
export function percentile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
}
