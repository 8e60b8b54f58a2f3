/**
 * `pnpm bench` (HTTP part): GET /api/auth/session requests per second on `next start`, with
 * validation (Redis fleet cache) against the same app with validation off. Both apps run side by
 * side; the load generator (autocannon's CLI) is a process of its own; runs alternate, the
 * order flipping each round so drift favours neither; the figure is the median of the rounds.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { SECRETS, startAppFleet } from '../test/app-fleet.js'
import { signIn } from '../test/app-instance.js'

const ROUNDS = 7
const SECONDS = 5
const AUTOCANNON = fileURLToPath(new URL('../node_modules/.bin/autocannon', import.meta.url))

type Setting = 'off' | 'on'
interface Run {
  rps: number
  total: number
  p99Ms: number
  non2xx: number
  errors: number
}

async function startApp(setting: Setting) {
  const fleet = await startAppFleet(
    1,
    ['bench'],
    setting === 'off' ? { DVC_BENCHMARK_BASELINE_NO_VALIDATION: '1' } : {},
  )
  const user = fleet.users.get('bench')!
  const cookie = await signIn(fleet.apps[0]!.url, user.email, user.password).catch(() => null)
  if (!cookie) {
    await fleet.stop()
    throw new Error(`could not sign in on the ${setting} app`)
  }
  return { fleet, url: `${fleet.apps[0]!.url}/api/auth/session`, cookie }
}

/** A 200 with an empty session would count as a success: check the session is really there. */
async function assertSignedIn({ url, cookie }: { url: string; cookie: string }): Promise<void> {
  const session = (await (await fetch(url, { headers: { cookie } })).json()) as { user?: { email?: string } }
  if (session.user?.email !== 'bench@example.com')
    throw new Error(`the benchmark's session is gone: ${JSON.stringify(session)}`)
}

async function load(url: string, cookie: string, seconds: number): Promise<Run> {
  const { stdout } = await promisify(execFile)(
    AUTOCANNON,
    ['-j', '-c', '10', '-d', String(seconds), '-H', `cookie=${cookie}`, url],
    { maxBuffer: 16 << 20 },
  )
  const result = JSON.parse(stdout) as {
    requests: { average: number; total: number }
    latency: { p99: number }
    non2xx: number
    errors: number
  }
  return {
    rps: Math.round(result.requests.average),
    total: result.requests.total,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

/** The "on" app's own count, from /api/metrics: proof that its requests were validated. */
async function validations(base: string): Promise<number> {
  const text = await (
    await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${SECRETS.observability}` } })
  ).text()
  return [...text.matchAll(/^dvc_validations_total\{tier="\w+"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const started: Awaited<ReturnType<typeof startApp>>[] = []
try {
  const apps = {
    off: await startApp('off').then((app) => (started.push(app), app)),
    on: await startApp('on').then((app) => (started.push(app), app)),
  }
  let warmUpOn = 0
  for (const setting of ['off', 'on'] as const) {
    await assertSignedIn(apps[setting])
    const warmUp = await load(apps[setting].url, apps[setting].cookie, 2) // JIT, L1, connections
    if (setting === 'on') warmUpOn = warmUp.total
  }
  const runs: Record<Setting, Run[]> = { off: [], on: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const setting of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      runs[setting].push(await load(apps[setting].url, apps[setting].cookie, SECONDS))
      process.stdout.write('.')
    }
  }
  await Promise.all([assertSignedIn(apps.off), assertSignedIn(apps.on)])
  const validated = await validations(apps.on.fleet.apps[0]!.url)
  // Every session request the "on" app answered: warm-up, runs, and the two session checks.
  const served = warmUpOn + runs.on.reduce((sum, r) => sum + r.total, 0) + 2
  // If the "on" app stopped validating (or the cookie were lost), the ratio would flatter it.
  if (validated < served)
    throw new Error(
      `the "on" app validated ${validated} times for ${served} session requests: it is not validating each one`,
    )
  const off = median(runs.off.map((r) => r.rps))
  const on = median(runs.on.map((r) => r.rps))
  const ratio = on / off
  const failed = [...runs.off, ...runs.on].reduce((sum, r) => sum + r.non2xx + r.errors, 0)
  console.log(
    `\nGET /api/auth/session on next start, one signed-in user (the L1-hit path), 10 connections, ${ROUNDS} interleaved rounds of ${SECONDS} s (autocannon in its own process)`,
  )
  for (const setting of ['off', 'on'] as const) {
    const label = setting === 'off' ? 'validation off (baseline)  ' : 'validation on (Redis fleet)'
    console.log(
      `  ${label} median ${String(setting === 'off' ? off : on).padStart(5)} req/s   runs: ${runs[setting].map((r) => r.rps).join(', ')}   p99 median ${median(runs[setting].map((r) => r.p99Ms))} ms`,
    )
  }
  console.log(
    `  the "on" app counted ${validated.toLocaleString('en-US')} validations for the ${served.toLocaleString('en-US')} session requests it answered (sign-in included in the former)`,
  )
  if (failed > 0) console.log(`  failed or non-2xx responses: ${failed}`)
  console.log(
    `${ratio >= 0.9 ? 'MET   ' : 'MISSED'} with validation ≥ 0.9× the baseline (median req/s): ${ratio.toFixed(2)}×`,
  )
  writeFileSync(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, seconds: SECONDS, runs, medianRps: { off, on }, ratio, failed, validated, served }, null, 2)}\n`,
  )
} finally {
  await Promise.all(started.map((app) => app.fleet.stop()))
}
process.exit(0)
