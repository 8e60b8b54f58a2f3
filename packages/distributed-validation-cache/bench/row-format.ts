import type { FleetLiveness } from './fleet-liveness.js'
import type { StampedeResult } from './stampede.js'
import type { SteadyStateResult } from './steady-state.js'
import { dollarsPerMillion } from './upstash-price.js'
import type { WarmFleetResult } from './warm-fleet.js'

/** How run.ts's rows read: one line per figure, its baseline beside it (kept here so run.ts stays the plan). */

export const fmt = (us: number) =>
  us < 10 ? `${(us * 1000).toFixed(0)} ns` : us < 10_000 ? `${us.toFixed(1)} µs` : `${(us / 1000).toFixed(1)} ms`

export const times = (baseline: number, value: number) =>
  value <= baseline ? `${(baseline / value).toFixed(1)}× faster` : `${(value / baseline).toFixed(1)}× slower`

export const dollars = (perValidation: number) => `$${dollarsPerMillion(perValidation).toFixed(3)}`

const range = (counts: number[]) => `${Math.min(...counts)}–${Math.max(...counts)}`

export function stampedeLine(strategy: string, r: StampedeResult): string {
  const locks =
    strategy === 'validation-cache'
      ? `; locks: ${r.lock.acquired} acquired, ${r.lock.waitedForFill} waited for the fill, ` +
        `${r.lock.tookOver} took over`
      : ''
  const { storm, startup, unattributed } = r.commands
  return (
    `  ${strategy.padEnd(18)} ${String(r.queries).padStart(5)} user-source queries   ` +
    `${range(storm).padStart(7)} commands sent per process (${storm.reduce((a, b) => a + b, 0)} in all; ` +
    `${range(startup)} each before the storm, ${unattributed} unattributed)   ` +
    `(${r.overlapped ? 'overlapped' : 'DID NOT OVERLAP'}, last start ${r.maxStartLagMs.toFixed(1)} ms after the ` +
    `agreed time, ${r.attempts.length} attempt(s)${locks})`
  )
}

export function dollarsLine(r: SteadyStateResult): string {
  return (
    `  ${String(r.rate).padStart(6)} req/s   ${dollars(r.perValidation.cache).padStart(7)}   ` +
    `naive ${dollars(r.perValidation.naive)}`
  )
}

export function warmFleetLine(r: WarmFleetResult): string {
  const { beats, logReads, pings, other } = r.measured.kinds
  return (
    `  ${String(r.processes).padStart(2)} processes, TTL ${`${r.ttlMs / 1_000} s`.padEnd(5)}  ` +
    `${r.perUserPerTtl.toFixed(2)} commands per user per TTL (naive ${r.naive.perUserPerTtl.toFixed(1)})   ` +
    `${r.queriesPerUserPerTtl.toFixed(2)} queries per user per TTL   ` +
    `background ${r.backgroundPerSecond.toFixed(2)}/s fleet-wide (naive 0; in the window ${beats} beats, ` +
    `${logReads} log reads, ${pings} pings, ${other} other)   [${r.method}]`
  )
}

export function fleetLivenessLine({ processes, perSecond: s }: FleetLiveness): string {
  return (
    `  ${String(processes).padStart(2)} processes  ${s.total.toFixed(2)}/s   (beats ${s.beats.toFixed(2)}, ` +
    `log reads ${s.logReads.toFixed(2)}, pings ${s.pings.toFixed(2)}, other ${(s.other + s.user).toFixed(2)})`
  )
}
