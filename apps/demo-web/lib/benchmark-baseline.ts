/**
 * The HTTP benchmark's baseline only (apps/demo-web/bench/http.ts): the same app with sessions
 * never re-validated, to measure what validation costs. Never set it anywhere else.
 */
export const BENCHMARK_BASELINE_NO_VALIDATION = process.env.DVC_BENCHMARK_BASELINE_NO_VALIDATION === '1'
