import { randomUUID } from 'node:crypto'
import { FleetProcesses, servedBetween } from './fleet-processes.js'
import { type Kind, tally } from './command-kinds.js'
import { RedisCommands } from './redis-commands.js'
import type { BenchUserSource } from './user-source.js'

const USERS = 40
const TTL_MS = 60_000
const WARM_UP_MS = 4_000 // copies age past the 1 s short window, and a leader takes the lease (2.25 s of silence)
const MEASURED_MS = 5_000
const EVERY_MS = 2 // each process serves a warm user every 2 ms, about 500 requests/s, as livenessCost does

export interface FleetLiveness {
  processes: number
  /** Commands sent per second, fleet-wide, while every process was busy: all of them, and by kind (0 for users). */
  perSecond: Record<Kind | 'total', number>
  validations: number
  notActive: number
}

/**
 * Liveness of a busy, listening fleet of `processes` app processes (fleet-worker.ts), each serving
 * warm users about 500 times a second, counted by a redis-server of the benchmark's own (MONITOR):
 * every command the fleet sent in 5 s, once copies were past the short window and a leader beat.
 * With no change to hear, all of it is the proof: beats, log reads, subscription pings (command-kinds.ts).
 */
export async function fleetLiveness(users: BenchUserSource, processes: number): Promise<FleetLiveness> {
  const { server, commands } = await RedisCommands.onOwnServer()
  const ids = await users.addUsers(USERS)
  const prefix = `bench:liveness:${randomUUID()}:`
  try {
    const fleet = await FleetProcesses.start(processes, {
      databaseUrl: users.url,
      redisUrl: server.url,
      prefix,
      ttlMs: TTL_MS,
    })
    try {
      await fleet.run(() => ({ type: 'serve', start: Date.now(), requests: ids.map((user) => ({ atMs: 0, user })) }))
      const warmed = await fleet.run(() => ({ type: 'busy', users: ids, ms: WARM_UP_MS, everyMs: EVERY_MS }))
      const window = await commands.open({ keep: true })
      const began = performance.now()
      const served = await fleet.run(() => ({ type: 'busy', users: ids, ms: MEASURED_MS, everyMs: EVERY_MS }))
      const counted = await window.close()
      const seconds = (performance.now() - began) / 1_000
      const kinds = Object.entries(tally(counted.commands, prefix, ids)).map(([kind, n]) => [kind, n / seconds])
      const perSecond = { total: counted.sent / seconds, ...(Object.fromEntries(kinds) as Record<Kind, number>) }
      const { validations, notActive } = servedBetween(warmed, served)
      return { processes, perSecond, validations, notActive }
    } finally {
      await fleet.stop()
    }
  } finally {
    await commands.close()
    await server.stop()
  }
}

/** Least squares through (processes, commands/s): the figure for `at` processes, and the slope. */
export function linearFit(points: FleetLiveness[], at: number): { at: number; perSecond: number; slope: number } {
  const n = points.length
  const mx = points.reduce((sum, p) => sum + p.processes, 0) / n
  const my = points.reduce((sum, p) => sum + p.perSecond.total, 0) / n
  const sxy = points.reduce((sum, p) => sum + (p.processes - mx) * (p.perSecond.total - my), 0)
  const sxx = points.reduce((sum, p) => sum + (p.processes - mx) ** 2, 0)
  const slope = sxx === 0 ? 0 : sxy / sxx
  return { at, perSecond: my + slope * (at - mx), slope }
}
