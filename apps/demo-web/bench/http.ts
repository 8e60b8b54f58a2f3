/**
 * `pnpm bench` (HTTP part): GET /api/auth/session requests per second on `next start`, with
 * validation (Redis fleet cache) against the same app with validation off, same machine, one run.
 */
import { writeFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { startAppFleet } from '../test/app-fleet.js'
import { signIn } from '../test/app-instance.js'

async function requestsPerSecond(withValidation: boolean): Promise<{ rps: number; p99Ms: number; non2xx: number }> {
  const fleet = await startAppFleet(1, ['bench'], withValidation ? {} : { DVC_BENCHMARK_BASELINE_NO_VALIDATION: '1' })
  try {
    const app = fleet.apps[0]!
    const user = fleet.users.get('bench')!
    const cookie = await signIn(app.url, user.email, user.password)
    const run = (duration: number) => autocannon({ url: `${app.url}/api/auth/session`, headers: { cookie: cookie! }, connections: 10, duration })
    await run(2) // warm-up: JIT, L1, connections
    const result = await run(8)
    return { rps: Math.round(result.requests.average), p99Ms: result.latency.p99, non2xx: result.non2xx }
  } finally {
    await fleet.stop()
  }
}

const off = await requestsPerSecond(false)
const on = await requestsPerSecond(true)
const ratio = on.rps / off.rps
console.log('\nGET /api/auth/session on next start, 10 connections, 8 s (after 2 s warm-up)')
console.log(`  validation off (baseline)   ${String(off.rps).padStart(6)} req/s   p99 ${off.p99Ms} ms`)
console.log(`  validation on (Redis fleet) ${String(on.rps).padStart(6)} req/s   p99 ${on.p99Ms} ms   ${ratio.toFixed(2)}× the baseline`)
if (on.non2xx + off.non2xx > 0) console.log(`  non-2xx responses: ${on.non2xx + off.non2xx}`)
console.log(`${ratio >= 0.9 ? 'MET   ' : 'MISSED'} with validation ≥ 0.9× the baseline: ${ratio.toFixed(2)}×`)
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), off, on, ratio }, null, 2)}\n`)
process.exit(0)
