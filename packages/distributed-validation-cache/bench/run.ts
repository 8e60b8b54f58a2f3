/**
 * `pnpm bench`: every figure next to its baseline, same machine, one run, on real Redis and (for
 * latency, stampede and revocation) real Postgres as the user source (REDIS_URL, DATABASE_URL;
 * defaults on 127.0.0.1); the rows that count Redis commands start a redis-server of their own.
 * Writes bench/results.json. docs/BENCHMARKS.md explains each figure and how it is measured.
 *
 * BENCH_ROWS=name,name… runs only those rows (and writes no results.json, which stands for a full
 * run): latency, stampede, revocation, steady-state (with its $ per 1 M validations), warm-fleet,
 * silent, serverless, liveness, fleet-liveness, refill, sql-ban, l1-memory.
 * E.g. `BENCH_ROWS=stampede,warm-fleet pnpm bench`.
 */
import { writeFileSync } from 'node:fs'
import { type FleetLiveness, fleetLiveness, linearFit } from './fleet-liveness.js'
import { l1BytesPerUser } from './l1-memory.js'
import { latency } from './latency.js'
import { revocationLatency } from './revocation.js'
import { dollars, dollarsLine, fleetLivenessLine, fmt, stampedeLine, times, warmFleetLine } from './row-format.js'
import {
  livenessCost,
  refillAfterReconnect,
  serverless,
  silentNetworkLockout,
  sseStallLockout,
  type Lockout,
} from './silent-failures.js'
import { sqlBanLockout } from './sql-ban.js'
import { type StampedeResult, STRATEGIES, type Strategy, stampede } from './stampede.js'
import { steadyState, type SteadyStateResult } from './steady-state.js'
import { dollarsPerMillion } from './upstash-price.js'
import { openBenchUserSource } from './user-source.js'
import { type WarmFleetResult, warmFleet } from './warm-fleet.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const targets: { target: string; value: string; met: boolean }[] = []
const target = (name: string, value: string, met: boolean) => targets.push({ target: name, value, met })
const only = process.env.BENCH_ROWS?.split(',').map((row) => row.trim())
const selected = (row: string) => !only || only.includes(row)
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version }

const users = await openBenchUserSource()
try {
  if (selected('latency')) {
    console.log('validate() latency, one process, real Redis and Postgres')
    const rows = (results.latency = await latency(users, REDIS_URL))
    const noCache = rows.find((r) => r.baseline === 'no-cache')!.figure.p50Us
    const naive = rows.find((r) => r.baseline === 'naive')!.figure.p50Us
    const columns = ['p50', 'p99'].map((c) => c.padStart(9)).join(' ')
    console.log(`${'path'.padEnd(56)} ${columns}  ${'vs no cache'.padStart(14)}  ${'vs naive'.padStart(14)}`)
    for (const { name, figure: f } of rows)
      console.log(
        `${name.padEnd(56)} ${fmt(f.p50Us).padStart(9)} ${fmt(f.p99Us).padStart(9)}  ` +
          `${times(noCache, f.p50Us).padStart(14)}  ${times(naive, f.p50Us).padStart(14)}`,
      )
    const l1 = rows.find((r) => r.name.includes('L1 hit'))!.figure.p50Us
    target('L1 hit ≥ 20× faster than the naive shared cache (p50)', `${(naive / l1).toFixed(0)}×`, naive / l1 >= 20)
  }

  if (selected('stampede')) {
    const storms: Record<number, Record<Strategy, StampedeResult>> = (results.stampede = {})
    for (const processes of [3, 10]) {
      console.log(
        `\nStampede: ${processes} processes (a fleet restarted: fresh engines) × 200 concurrent validations of one ` +
          "cold user, on a flushed redis-server of the bench's own; commands as Redis counted them (MONITOR)",
      )
      const storm = (storms[processes] = await stampede(users, processes))
      for (const strategy of STRATEGIES) console.log(stampedeLine(strategy, storm[strategy]))
      const ours = storm['validation-cache']
      target(
        `stampede, ${processes} processes: 1 user-source query (no cache: ${processes * 200})`,
        ours.overlapped ? String(ours.queries) : `${ours.queries}, but the processes did not overlap`,
        ours.overlapped && ours.queries === 1,
      )
    }
  }

  if (selected('revocation')) {
    console.log('\nRevocation: from the action on instance A until B and C (own processes) both deny, 100 trials each')
    const revocations = (results.revocation = await revocationLatency(users, REDIS_URL, 100))
    for (const r of revocations.filter((x) => x.strategy === 'validation-cache')) {
      const base = revocations.find((x) => x.strategy === 'no-cache' && x.path === r.path)!
      const ms = (value: number) => `${value.toFixed(1).padStart(5)} ms`
      console.log(
        `  ${r.path.padEnd(14)} p50 ${ms(r.p50Ms)}   p99 ${ms(r.p99Ms)}   max ${ms(r.maxMs)}   no cache (a query ` +
          `per request): p50 ${base.p50Ms.toFixed(1)} ms, p99 ${base.p99Ms.toFixed(1)} ms   naive cache: until its ` +
          '5-minute TTL',
      )
      target(
        `${r.path}: denial on every instance, p99 < 1 s`,
        `${r.p99Ms.toFixed(1)} ms (no cache: ${base.p99Ms.toFixed(1)} ms)`,
        r.p99Ms < 1_000,
      )
    }
  }

  if (selected('steady-state')) {
    console.log(
      '\nSteady state: 3 instances, Zipf(1.1) over 10,000 users, TTL 5 min, simulated clock (1 TTL warm-up, ' +
        '2 measured), fleet metrics included',
    )
    const steady: SteadyStateResult[] = (results.steadyState = [])
    for (const rate of [100, 1_000, 10_000]) {
      const r = await steadyState({ rate })
      steady.push(r)
      const perUser = (rate * r.ttlMs) / 1_000 / r.users
      const { cache, naive } = r.perValidation
      console.log(
        `  ${String(rate).padStart(6)} req/s (${perUser.toFixed(0).padStart(4)} per user per TTL on average)   ` +
          `cache commands per validation ${cache.toFixed(3)} (Redis ran ` +
          `${(r.executed.cache / r.validations).toFixed(3)}, scripts' calls included)   naive ${naive.toFixed(3)}   ` +
          `${(cache / naive).toFixed(3)}× naive   shortest gap between two queries for one user ` +
          `${(r.shortestQueryGapMs / 60_000).toFixed(1)} min`,
      )
    }
    for (const r of steady)
      target(
        `cache commands per validation ≤ 0.05 at ${r.rate} req/s`,
        r.perValidation.cache.toFixed(3),
        r.perValidation.cache <= 0.05,
      )
    target(
      'at most one user-source query per user per TTL, fleet-wide',
      `shortest gap ${Math.min(...steady.map((r) => r.shortestQueryGapMs)) / 1_000} s`,
      steady.every((r) => r.shortestQueryGapMs >= r.ttlMs),
    )
    console.log('  $ per 1 M validations at Upstash prices ($0.20 per 100 K commands, a script one command):')
    for (const r of steady) console.log(dollarsLine(r))
    target(
      '$ per 1 M validations on Upstash ≤ $0.10 (the 0.05-command budget) at 100, 1,000 and 10,000 req/s',
      steady.map((r) => `${dollars(r.perValidation.cache)} (naive ${dollars(r.perValidation.naive)})`).join(', '),
      steady.every((r) => dollarsPerMillion(r.perValidation.cache) <= 0.1),
    )
  }

  if (selected('warm-fleet')) {
    console.log(
      '\nWarm fleet: 20 warm users, 1,000 requests spread over them and the processes in 9 s; commands sent as ' +
        'Redis counted them (MONITOR): those naming a user its own, the rest background; user-source queries as ' +
        'the processes counted them; naive cache: a GET per request, a SET per miss',
    )
    const rows: WarmFleetResult[] = (results.warmFleet = [])
    for (const processes of [3, 10]) rows.push(...(await warmFleet(users, processes)))
    for (const r of rows) {
      console.log(warmFleetLine(r))
      target(
        `warm users, ${r.processes} processes, TTL ${r.ttlMs / 1_000} s: ≤ 2 commands per user per TTL + ≤ 1/s ` +
          'fleet-wide',
        `${r.perUserPerTtl.toFixed(2)} per user per TTL + ${r.backgroundPerSecond.toFixed(2)}/s ` +
          `(naive ${r.naive.perUserPerTtl.toFixed(1)} + 0/s)`,
        r.perUserPerTtl <= 2 && r.backgroundPerSecond <= 1,
      )
    }
  }

  const lockoutRow = (name: string, r: Lockout) =>
    console.log(
      `  ${name.padEnd(40)} p50 ${r.p50Ms.toFixed(0).padStart(5)} ms   p99 ${r.p99Ms.toFixed(0).padStart(5)} ms   ` +
        `max ${r.maxMs.toFixed(0).padStart(5)} ms   (${r.trials} trials)`,
    )
  if (selected('silent')) {
    console.log(
      '\nSilent failures: a ban through A, refused on C whose link fails silently; TTL 60 s (before issue 10: up ' +
        'to the TTL)',
    )
    const silent = (results.silent = { ...(await silentNetworkLockout(10)), ...(await sseStallLockout(10)) })
    for (const [name, r] of Object.entries(silent)) {
      lockoutRow(name, r)
      if (name !== 'healthy network')
        target(`${name}: lockout p99 < 1 s (the test's bound: 2 s)`, `${r.p99Ms.toFixed(0)} ms`, r.p99Ms < 1_000)
    }
  }

  if (selected('serverless')) {
    console.log(
      '\nServerless: 3 instances on Upstash REST, no subscription, TTL 60 s, one ban every 300 ms (issue 10 ' +
        'measured p50 989 ms, max 1005 ms, 0.342 commands/request before the change log)',
    )
    const oldAdvice = await serverless(30, '1 s')
    const logDriven = await serverless(30)
    results.serverless = { oldAdvice, logDriven }
    for (const [name, r] of [
      ['l1Ttl "1 s" (the old advice)', oldAdvice],
      ['default: the change log', logDriven],
    ] as const) {
      lockoutRow(name, r)
      console.log(`  ${''.padEnd(40)} ${r.commandsPerRequest.toFixed(3)} store commands per request`)
    }
    target('serverless lockout p99 < 500 ms', `${logDriven.p99Ms.toFixed(0)} ms`, logDriven.p99Ms < 500)
    target(
      'serverless: < 1/3 of the commands per request of a 1 s L1 TTL',
      `${logDriven.commandsPerRequest.toFixed(3)} vs ${oldAdvice.commandsPerRequest.toFixed(3)}`,
      logDriven.commandsPerRequest < oldAdvice.commandsPerRequest / 3,
    )
  }

  if (selected('liveness')) {
    console.log(
      '\nLiveness proof: store commands per second, one instance serving 500 requests/s of warm users and one idle',
    )
    const cost: Record<string, { busy: number; idle: number }> = (results.livenessCost = {})
    for (const [name, backend, subscribe] of [
      ['Redis, subscribed', 'redis', true],
      ['Upstash, subscribed (SSE)', 'upstash', true],
      ['Upstash, serverless', 'upstash', false],
    ] as const) {
      const r = (cost[name] = await livenessCost(backend, subscribe, 5))
      console.log(`  ${name.padEnd(28)} busy ${r.busy.toFixed(2)}/s   idle ${r.idle.toFixed(2)}/s`)
    }
    target(
      'liveness: about 1 command/s per busy listening instance, 0 per idle one',
      `${cost['Redis, subscribed']!.busy.toFixed(2)}/s busy, ${cost['Redis, subscribed']!.idle}/s idle`,
      cost['Redis, subscribed']!.busy <= 1.5 && Object.values(cost).every((c) => c.idle === 0),
    )
  }

  if (selected('fleet-liveness')) {
    console.log(
      '\nLiveness of a fleet: N busy listening processes (about 500 requests/s of warm users each), commands sent ' +
        "per second fleet-wide as the bench's own redis-server counted them (MONITOR), over 5 s",
    )
    const fleets: FleetLiveness[] = []
    for (const processes of [1, 3, 10]) fleets.push(await fleetLiveness(users, processes)) // one at a time: two cores
    const fit = linearFit(fleets, 50)
    results.fleetLiveness = { fleets, fit }
    for (const fleet of fleets) console.log(fleetLivenessLine(fleet))
    console.log(
      `  50 processes  ${fit.perSecond.toFixed(2)}/s   (computed: the least-squares line through the three, ` +
        `${fit.slope >= 0 ? '+' : ''}${fit.slope.toFixed(3)}/s per process)`,
    )
    target(
      'liveness independent of the fleet size: ≤ 1.67/s fleet-wide (1.33 beats/s + 25 %) at 1, 3, 10 and 50 ' +
        '(fitted) processes',
      `${fleets.map((f) => `${f.processes}: ${f.perSecond.total.toFixed(2)}/s`).join(', ')}, ` +
        `50: ${fit.perSecond.toFixed(2)}/s`,
      [...fleets.map((f) => f.perSecond.total), fit.perSecond].every((perSecond) => perSecond <= 1.67),
    )
  }

  if (selected('refill')) {
    const refill = (results.refill = await refillAfterReconnect())
    console.log(
      `\nAfter a deaf spell, 10,000 warm users, 100 changed meanwhile: ${refill.catchUp} commands to serve each ` +
        `once (catch-up, ${refill.dropped} dropped), ${refill.clearAll} with L1 cleared (before issue 10)`,
    )
    target(
      'refill after a reconnect: catch-up instead of clearing L1',
      `${refill.catchUp} vs ${refill.clearAll} commands`,
      refill.catchUp < refill.clearAll / 10,
    )
  }

  if (selected('sql-ban')) {
    console.log('\nA ban made by plain SQL, 3 instances LISTENing (issue 12; before it: up to the TTL, 5 min)')
    const sqlBan = (results.sqlBan = await sqlBanLockout(users, REDIS_URL))
    lockoutRow('SQL ban → refused on every instance', sqlBan)
    console.log(`  ${''.padEnd(40)} ${sqlBan.queriesPerBan.toFixed(2)} user-source queries per ban, fleet-wide`)
    target(
      'SQL ban (trigger + LISTEN): refused on every instance, p99 < 1 s',
      `${sqlBan.p99Ms.toFixed(0)} ms`,
      sqlBan.p99Ms < 1_000,
    )
  }

  if (selected('l1-memory')) {
    const bytes = (results.l1Bytes = await l1BytesPerUser())
    console.log(
      `\nL1 memory: ${bytes.l1} bytes per cached active user (an app's own lru-cache memo of the user row: ` +
        `${bytes.reference}; ${(bytes.l1 / bytes.reference).toFixed(2)}×)`,
    )
    target('L1 bytes per cached user ≤ 300', String(bytes.l1), bytes.l1 <= 300)
  }

  console.log()
  for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.value}`)
  if (only) console.log(`BENCH_ROWS=${only.join(',')}: only these rows ran; bench/results.json is left as it was`)
  else {
    writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ ...results, targets }, null, 2)}\n`)
    console.log('written: bench/results.json')
  }
} finally {
  await users.drop()
}
