import type { FleetCommand, FleetReply } from './fleet-worker.js'
import { WorkerProcess } from './worker-process.js'

export type Served = Extract<FleetReply, { type: 'served' }>

/** What a fleet did between two reports: validations, user-source queries and answers other than active. */
export const servedBetween = (before: Served[], after: Served[]) => ({
  validations: after.reduce((sum, r, i) => sum + r.validations - before[i]!.validations, 0),
  queries: after.reduce((sum, r, i) => sum + r.queries - before[i]!.queries, 0),
  notActive: after.reduce((sum, r, i) => sum + r.notActive - before[i]!.notActive, 0),
})

/**
 * A fleet of `count` app processes (fleet-worker.ts), each a fresh engine: the parent tells each
 * what to serve and waits for every report, so a counting window opens and closes around them.
 */
export class FleetProcesses {
  private constructor(readonly workers: WorkerProcess<FleetCommand, FleetReply>[]) {}

  static async start(
    count: number,
    o: { databaseUrl: string; redisUrl: string; prefix: string; ttlMs: number },
  ): Promise<FleetProcesses> {
    const args = [o.databaseUrl, o.redisUrl, o.prefix, String(o.ttlMs)]
    const fleet = new FleetProcesses(
      Array.from({ length: count }, () => new WorkerProcess<FleetCommand, FleetReply>('./fleet-worker.ts', args)),
    )
    try {
      // Ten processes starting on two cores take seconds.
      await Promise.all(fleet.workers.map((worker) => worker.next('ready', 120_000)))
      return fleet
    } catch (error) {
      await fleet.stop()
      throw error
    }
  }

  /** Sends process i `command(i)` and waits for every process's report (cumulative, since its start). */
  async run(command: (i: number) => FleetCommand, timeoutMs = 120_000): Promise<Served[]> {
    for (const [i, worker] of this.workers.entries()) worker.send(command(i))
    return Promise.all(this.workers.map((worker) => worker.next('served', timeoutMs)))
  }

  stop(): Promise<void> {
    return Promise.all(this.workers.map((worker) => worker.stop())).then(() => undefined)
  }
}
