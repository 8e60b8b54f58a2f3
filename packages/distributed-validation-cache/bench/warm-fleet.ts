import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import type { UserState } from '../src/index.js'
import { type Kind, tally } from './command-kinds.js'
import { FleetProcesses, servedBetween } from './fleet-processes.js'
import { naiveCache } from './naive-cache.js'
import { RedisCommands } from './redis-commands.js'
import { seeded } from './traffic.js'
import type { BenchUserSource } from './user-source.js'

const USERS = 20
const REQUESTS = 1_000
/** The measured window: 3 whole TTLs at TTL 3 s. Whole TTLs of 300 s would take 15 minutes a row. */
const WINDOW_MS = 9_000
/** Traffic at the window's rate before it: copies age past the short window, a leader beats, refills begin. */
const WARM_UP_MS = 3_000
const TTLS_MS = [3_000, 300_000] as const
const ACTIVE: UserState = { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }

type Traffic = { atMs: number; user: string }[][]

/** What one fleet run measured in its window (after a fill from cold and a warm-up), and the naive replay. */
interface Measured {
  windowMs: number
  /** Commands sent in the window, by kind (command-kinds.ts); "user" names one of the 20 users. */
  kinds: Record<Kind, number>
  sent: number
  queries: number
  notActive: number
  /** The fill from cold (each process asks for each user once, in turn): commands naming a user. */
  coldFill: number
  naive: { window: number }
}

export interface WarmFleetResult {
  processes: number
  ttlMs: number
  users: number
  requests: number
  /** How the per-TTL figures came from the window. */
  method: string
  measured: Measured
  perUserPerTtl: number
  queriesPerUserPerTtl: number
  backgroundPerSecond: number
  naive: { perUserPerTtl: number }
}

/**
 * 20 warm users, 1,000 requests spread over them at random and over `processes` app processes
 * (fleet-worker.ts) in 9 s, at TTL 3 s and at TTL 300 s: Redis's own count (MONITOR) of commands
 * sent per user per TTL and of the fleet's background commands per second (those naming no user),
 * and user-source queries as the processes counted them; beside the naive cache on the same
 * requests. At TTL 3 s the window is 3 whole TTLs, refills included. At TTL 300 s it holds no
 * refill: a TTL costs its refill — taken as the whole per-TTL cost measured at TTL 3 s, an upper
 * bound, since it includes 3 s of traffic too — plus the window's per-user commands scaled to the TTL.
 */
export async function warmFleet(users: BenchUserSource, processes: number): Promise<WarmFleetResult[]> {
  const [shortTtl, longTtl] = TTLS_MS
  const [short, long] = [await measure(users, processes, shortTtl), await measure(users, processes, longTtl)]
  /** Per user per TTL, from `count` in `windowMs` (the naive replay's window is the schedule's, 9 s exactly). */
  const perTtl = (count: number, windowMs: number, ttlMs: number) => count / USERS / (windowMs / ttlMs)
  const row = (ttlMs: number, m: Measured, method: string, perUser: number, queries: number, naive: number) => ({
    processes,
    ttlMs,
    users: USERS,
    requests: REQUESTS,
    method,
    measured: m,
    perUserPerTtl: perUser,
    queriesPerUserPerTtl: queries,
    backgroundPerSecond: (m.sent - m.kinds.user) / (m.windowMs / 1_000),
    naive: { perUserPerTtl: naive },
  })
  const refill = perTtl(short.kinds.user, short.windowMs, shortTtl)
  const refillQueries = perTtl(short.queries, short.windowMs, shortTtl)
  // The naive cache sends a GET per request; the rest are its refills, a SET per miss.
  const naiveRefill = perTtl(short.naive.window - REQUESTS, WINDOW_MS, shortTtl)
  return [
    row(
      shortTtl,
      short,
      `${WINDOW_MS / shortTtl} whole TTLs measured`,
      refill,
      refillQueries,
      perTtl(short.naive.window, WINDOW_MS, shortTtl),
    ),
    row(
      longTtl,
      long,
      `${WINDOW_MS / 1_000} s measured and scaled ×${(longTtl / WINDOW_MS).toFixed(1)}, ` +
        `plus one refill per user (the TTL-3 s row's whole per-TTL cost)`,
      refill + perTtl(long.kinds.user, long.windowMs, longTtl),
      refillQueries + perTtl(long.queries, long.windowMs, longTtl),
      naiveRefill + perTtl(long.naive.window, WINDOW_MS, longTtl),
    ),
  ]
}

/** One fleet at `ttlMs` on a flushed redis-server of its own: the fill, the warm-up, the counted window. */
async function measure(users: BenchUserSource, processes: number, ttlMs: number): Promise<Measured> {
  const { server, commands } = await RedisCommands.onOwnServer()
  const ids = await users.addUsers(USERS)
  const prefix = `bench:warm:${randomUUID()}:`
  const random = seeded(17)
  /** `count` requests evenly over `spanMs`, each for a random user on a random process. */
  const traffic = (count: number, spanMs: number): Traffic => {
    const perProcess: Traffic = Array.from({ length: processes }, () => [])
    for (let i = 0; i < count; i++)
      perProcess[Math.floor(random() * processes)]!.push({
        atMs: (i * spanMs) / count,
        user: ids[Math.floor(random() * USERS)]!,
      })
    return perProcess
  }
  const phases = [
    { spanMs: 0, requests: Array.from({ length: processes }, () => ids.map((user) => ({ atMs: 0, user }))) },
    { spanMs: WARM_UP_MS, requests: traffic(Math.round((REQUESTS * WARM_UP_MS) / WINDOW_MS), WARM_UP_MS) },
    { spanMs: WINDOW_MS, requests: traffic(REQUESTS, WINDOW_MS) },
  ]
  try {
    const fleet = await FleetProcesses.start(processes, { databaseUrl: users.url, redisUrl: server.url, prefix, ttlMs })
    let measured: Omit<Measured, 'naive'>
    try {
      const serve = (requests: Traffic) => {
        const start = Date.now() + 100 // the schedules reach every process before it
        return fleet.run((i) => ({ type: 'serve', start, requests: requests[i]! }))
      }
      // The fill: each process in turn asks for every user at once.
      const fill = await commands.open({ keep: true })
      for (const [i, worker] of fleet.workers.entries()) {
        worker.send({ type: 'serve', start: Date.now(), requests: phases[0]!.requests[i]! })
        await worker.next('served')
      }
      const coldFill = tally((await fill.close()).commands, prefix, ids).user
      const warmed = await serve(phases[1]!.requests)
      const window = await commands.open({ keep: true })
      const began = performance.now()
      const served = await serve(phases[2]!.requests)
      const counted = await window.close()
      const { queries, notActive } = servedBetween(warmed, served)
      measured = {
        windowMs: performance.now() - began, // the counting window's own length, a little over 9 s
        kinds: tally(counted.commands, prefix, ids),
        sent: counted.sent,
        queries,
        notActive,
        coldFill,
      }
    } finally {
      await fleet.stop()
    }
    return { ...measured, naive: { window: await naiveWindow(commands, prefix, ttlMs, phases) } }
  } finally {
    await commands.close()
    await server.stop()
  }
}

/**
 * The naive cache (a GET per request, a SET per miss) serves the same fill, warm-up and window on
 * the schedule's clock (its entries age by the schedule, not by how fast this runs): the window's commands.
 */
async function naiveWindow(
  commands: RedisCommands,
  prefix: string,
  ttlMs: number,
  phases: { spanMs: number; requests: Traffic }[],
): Promise<number> {
  const client = new Redis(commands.url)
  let now = Date.now()
  const source = { name: 'fixed', fetchUser: async () => ACTIVE, setSessionsRevokedAt: async () => undefined }
  const naive = naiveCache(client, prefix, source, () => now, ttlMs)
  let sent = 0
  try {
    for (const { spanMs, requests } of phases) {
      const window = await commands.open()
      const begins = now
      for (const { atMs, user } of requests.flat().sort((a, b) => a.atMs - b.atMs)) {
        now = begins + atMs
        await naive(user)
      }
      now = begins + spanMs
      sent = (await window.close()).sent // the last phase's: the window
    }
  } finally {
    await client.quit()
  }
  return sent
}
