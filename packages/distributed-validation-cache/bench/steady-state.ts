import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { redisStore } from '../src/drivers/redis.js'
import { createValidationCache, FleetMetrics, type UserSource, type UserState } from '../src/index.js'
import { naiveCache } from './naive-cache.js'
import { type CommandWindow, type Counted, RedisCommands } from './redis-commands.js'
import { SimulatedClock } from './simulated-clock.js'
import { zipfTraffic, type Request } from './traffic.js'

export interface SteadyStateScenario {
  /** Validations per second, fleet-wide. */
  rate: number
  users?: number
  instances?: number
  /** Whole TTLs simulated before counting starts, then while counting. */
  warmTtls?: number
  measuredTtls?: number
}

export interface SteadyStateResult extends Required<SteadyStateScenario> {
  ttlMs: number
  validations: number
  /**
   * Commands sent, counted by the Redis server itself in the measured TTLs only (redis-commands.ts:
   * MONITOR's lines from clients, not the calls scripts made — a script is one command sent, and one
   * billed on Upstash, however many it runs; the naive cache runs none: INFO's total).
   */
  commands: { cache: number; naive: number }
  /** Every command Redis ran (INFO's total_commands_processed), the scripts' own calls included. */
  executed: { cache: number; naive: number }
  perValidation: { cache: number; naive: number }
  /** Shortest time between two user-source queries for one user, fleet-wide: the promise says ≥ TTL. */
  shortestQueryGapMs: number
}

const TTL_MS = 300_000
const FLUSH_MS = 10_000 // FleetMetrics' default interval
const SECRET = 'steady-state-secret-0123'
const ACTIVE: UserState = { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }

/**
 * Shared-store commands per validation at steady state. A fleet of instances behind a load
 * balancer serves Zipf(1.1) traffic at a stated fleet-wide rate, on a simulated clock that runs
 * whole 5-minute TTLs: entries expire and are fetched again as in production, and each instance
 * flushes its fleet metrics every 10 simulated seconds (those commands count too). A redis-server
 * of the benchmark's own counts the commands, so nothing else is in them. The naive baseline
 * replays the same requests: one GET per validation, and a SET after each miss.
 */
export async function steadyState(scenario: SteadyStateScenario): Promise<SteadyStateResult> {
  const s = { users: 10_000, instances: 3, warmTtls: 1, measuredTtls: 2, ...scenario }
  const { server, commands } = await RedisCommands.onOwnServer()
  const clock = new SimulatedClock()
  // Flat strings, as a JWT's `sub` arrives from JSON.parse (randomUUID() returns a rope).
  const ids = Array.from({ length: s.users }, () => JSON.parse(JSON.stringify(randomUUID())) as string)
  const phases = [
    Math.round((s.rate * s.warmTtls * TTL_MS) / 1_000),
    Math.round((s.rate * s.measuredTtls * TTL_MS) / 1_000),
  ] as const

  /**
   * Runs warm-up then measured traffic, `concurrency` requests at a time; returns what Redis counted
   * in the measured part. `onTick` runs at the time it last asked for (it returns the next one).
   */
  async function replay(
    serve: (request: Request) => Promise<unknown>,
    onTick: (now: number) => Promise<number>,
    concurrency = 1,
  ): Promise<Counted> {
    let nextTick = -Infinity
    const traffic = zipfTraffic(s.users, s.instances, phases[0] + phases[1])
    let measured: CommandWindow | undefined
    for (const [phase, count] of phases.entries()) {
      if (phase === 1) measured = await commands.open()
      for (let done = 0; done < count; done += concurrency) {
        const batch: Promise<unknown>[] = []
        for (let i = 0; i < Math.min(concurrency, count - done); i++) {
          clock.advance(1_000 / s.rate)
          if (clock.now() >= nextTick) nextTick = await onTick(clock.now())
          batch.push(serve(traffic.next().value as Request))
        }
        await Promise.all(batch)
      }
    }
    return measured!.close()
  }

  try {
    const prefix = `bench:steady:${randomUUID()}:`
    const lastQuery = new Map<string, number>()
    let shortestQueryGapMs = Infinity
    const source: UserSource = {
      name: 'in-memory',
      async fetchUser(id) {
        shortestQueryGapMs = Math.min(shortestQueryGapMs, clock.now() - (lastQuery.get(id) ?? -Infinity))
        lastQuery.set(id, clock.now())
        return ACTIVE
      },
      setSessionsRevokedAt: async () => undefined,
    }
    clock.install()
    const fleet = Array.from({ length: s.instances }, (_, i) => {
      const store = redisStore(server.url) // one client per instance, for its cache and its metrics, as in the app
      const cache = createValidationCache({ source, store, prefix, secret: SECRET, ttl: TTL_MS, instanceId: `i${i}` })
      return { cache, metrics: new FleetMetrics(cache, { store, prefix, instanceId: `i${i}`, secret: SECRET }) }
    })
    let cacheCommands: Counted
    try {
      await Promise.all(fleet.map(({ cache }) => cache.ready()))
      cacheCommands = await replay(
        ({ user, instance }) => fleet[instance]!.cache.validate(ids[user]!),
        async (now) => {
          for (const { metrics } of fleet) await metrics.flush(now)
          return now + FLUSH_MS
        },
      )
    } finally {
      await Promise.all(fleet.map(({ cache }) => cache.close()))
      clock.uninstall()
    }

    // The naive cache runs no script: INFO's total alone counts it (what it sends is what Redis
    // runs), without MONITOR's load.
    commands.stopMonitoring()
    // 100 requests at a time: as under real concurrent load, a naive cache may then fetch an
    // expired user twice in one batch (well under 0.1 % more commands here).
    const client = new Redis(server.url)
    const naive = naiveCache(client, prefix, { ...source, fetchUser: async () => ACTIVE }, () => clock.now())
    const naiveCommands = await replay(
      ({ user }) => naive(ids[user]!),
      async () => Infinity,
      100,
    )
    await client.quit()

    const validations = phases[1]
    return {
      ...s,
      ttlMs: TTL_MS,
      validations,
      shortestQueryGapMs,
      commands: { cache: cacheCommands.sent, naive: naiveCommands.executed },
      executed: { cache: cacheCommands.executed, naive: naiveCommands.executed },
      perValidation: { cache: cacheCommands.sent / validations, naive: naiveCommands.executed / validations },
    }
  } finally {
    await commands.close()
    await server.stop()
  }
}
