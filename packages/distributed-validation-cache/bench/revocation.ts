import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { Command, Reply, RevocationPath } from './revocation-worker.js'
import type { BenchUserStore } from './user-store.js'

export interface RevocationFigure {
  path: RevocationPath
  trials: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/** An app instance in its own process, answering one command at a time. */
class Instance {
  readonly #child: ChildProcess
  /** Resolves on the worker's first message: its engine listens for broadcasts. */
  readonly ready: Promise<unknown>
  readonly #inbox: Reply[] = []
  #waiter: (() => void) | undefined
  constructor(args: string[]) {
    this.#child = fork(fileURLToPath(new URL('./revocation-worker.ts', import.meta.url)), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.ready = once(this.#child, 'message')
    this.#child.on('message', (message: Reply | { type: 'ready' }) => {
      if (message.type !== 'ready') this.#inbox.push(message)
      this.#waiter?.()
    })
  }

  send = (command: Command) => void this.#child.send(command)

  async next<T extends Reply['type']>(type: T): Promise<Extract<Reply, { type: T }>> {
    for (;;) {
      const index = this.#inbox.findIndex((m) => m.type === type)
      if (index >= 0) return this.#inbox.splice(index, 1)[0] as Extract<Reply, { type: T }>
      await new Promise<void>((resolve) => (this.#waiter = resolve))
    }
  }

  async stop(): Promise<void> {
    const exited = once(this.#child, 'exit')
    this.#child.disconnect()
    await exited
  }
}

/**
 * Time from a revocation on instance A until B and C, each in its own process, both deny the
 * session: `revoke()`, an admin ban (/admin: ban in auth.users, then revoke), and a ban made in
 * the database followed by the Supabase webhook's `refresh()`. Real Redis and Postgres.
 */
export async function revocationLatency(users: BenchUserStore, redisUrl: string, trials = 100): Promise<RevocationFigure[]> {
  const args = [users.url, redisUrl, `bench:revoke:${randomUUID()}:`]
  const [a, b, c] = [new Instance(args), new Instance(args), new Instance(args)] as const
  await Promise.all([a.ready, b.ready, c.ready])
  const figures: RevocationFigure[] = []
  try {
    for (const path of ['revoke()', 'admin ban', 'ban + webhook'] as const) {
      const samples: number[] = []
      for (const userId of await users.addUsers(trials)) {
        const issuedAt = Date.now() - 1_000
        for (const instance of [a, b, c]) {
          instance.send({ type: 'warm', userId, issuedAt }) // every L1 says active
          if ((await instance.next('warmed')).verdict !== 'active') throw new Error('a fresh user is not active')
        }
        for (const watcher of [b, c]) watcher.send({ type: 'watch', userId, issuedAt })
        await Promise.all([b.next('watching'), c.next('watching')])
        a.send({ type: 'act', userId, path })
        const [{ at }, deniedB, deniedC] = await Promise.all([a.next('acted'), b.next('denied'), c.next('denied')])
        const expected = path === 'revoke()' ? 'revoked' : 'banned'
        for (const denied of [deniedB, deniedC]) if (denied.verdict !== expected) throw new Error(`${path}: denied as ${denied.verdict}, not ${expected}`)
        samples.push(Math.max(deniedB.at, deniedC.at) - at)
      }
      samples.sort((x, y) => x - y)
      const pct = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
      figures.push({ path, trials, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: samples.at(-1)! })
      process.stdout.write('.')
    }
  } finally {
    await Promise.all([a.stop(), b.stop(), c.stop()])
  }
  return figures
}
