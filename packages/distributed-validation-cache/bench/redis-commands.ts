import { Redis } from 'ioredis'
import { OwnRedisServer } from '../test/support/redis-server.js'

/** One command a client sent, as MONITOR showed it: its arguments and the client's address. */
export interface SentCommand {
  args: string[]
  client: string
}

/** What a window saw, from its opening until it was closed. */
export interface Counted {
  /** Commands clients sent (the counter's own left out): what Upstash bills and what costs a round trip. */
  sent: number
  /** Calls scripts made (MONITOR's source "lua"): Redis ran them, nobody sent them, nobody pays per call. */
  scriptCalls: number
  /** Every command Redis ran (INFO's total_commands_processed), scripts' calls included, the counter's own not. */
  executed: number
  /** The commands sent, in order, when the window was opened with `keep`. */
  commands: SentCommand[]
  /** Commands sent per ACL user (see `urlFor`); "unattributed" for a connection gone before it was looked up. */
  byUser: Map<string, number>
}

/** An open window of a RedisCommands counter. */
export interface CommandWindow {
  close(): Promise<Counted>
}

interface Open {
  sent: number
  scripts: number
  byClient: Map<string, number>
  commands: SentCommand[] | undefined
}

/**
 * Commands a redis-server of the benchmark's own was sent, counted by the server itself, never by
 * the library's counters. MONITOR names each command's origin: a client's address, or "lua" for a
 * call made inside a script — a script is one command sent (and billed on Upstash), however many
 * calls it runs. INFO counts what Redis ran. The counter's own commands (INFO, FLUSHALL, ACL, CLIENT
 * LIST) go through one connection, whose lines MONITOR's counts leave out and whose commands it
 * counts itself for INFO's, so neither figure includes them.
 */
export class RedisCommands {
  readonly #admin: Redis
  readonly #monitor: Redis
  readonly #address: string
  readonly #windows = new Set<Open>()
  /** Which ACL user each client address authenticated as, from CLIENT LIST. */
  readonly #userOf = new Map<string, string>()
  #own = 0
  /** Run when MONITOR shows the counter's next INFO, in order. */
  readonly #atInfo: (() => void)[] = []
  #looking: Promise<void> | undefined
  #lookAgain = false
  #monitoring = true

  private constructor(admin: Redis, monitor: Redis, address: string) {
    this.#admin = admin
    this.#monitor = monitor
    this.#address = address
    monitor.on('monitor', (_time: string, args: string[], client: string) => this.#saw(args, client))
  }

  /** On a redis-server started for this, flushed (FLUSHALL) before anything is counted. */
  static async onOwnServer(): Promise<{ server: OwnRedisServer; commands: RedisCommands }> {
    const server = await OwnRedisServer.start()
    try {
      return { server, commands: await RedisCommands.watch(server.url) }
    } catch (error) {
      await server.stop()
      throw error
    }
  }

  static async watch(url: string): Promise<RedisCommands> {
    const admin = new Redis(url)
    const address = /addr=(\S+)/.exec(String(await admin.client('INFO')))![1]!
    // Only differences between two INFO readings are used: what ran before the first does not matter.
    const counter = new RedisCommands(admin, await admin.monitor(), address) // a connection of its own
    await counter.flush() // "Redis flushed" is literal: no key, no log, no lease from before
    return counter
  }

  /** FLUSHALL: the next run finds an empty Redis (the ACL users made stay). */
  async flush(): Promise<void> {
    this.#own++
    await this.#admin.flushall()
  }

  get url(): string {
    const { host, port } = this.#admin.options
    return `redis://${host}:${port}`
  }

  /** A URL that connects as ACL user `name` (made here, allowed everything): MONITOR's lines, by process. */
  async urlFor(name: string): Promise<string> {
    this.#own++
    await this.#admin.acl('SETUSER', name, 'on', 'nopass', '~*', '&*', '+@all')
    const { host, port } = this.#admin.options
    return `redis://${name}:any@${host}:${port}` // nopass: any password is accepted, and AUTH names the user
  }

  /**
   * Opens a window: what Redis runs from now until it closes. Each end is an INFO reading, and in
   * MONITOR's feed (which follows the order Redis ran commands in) the window opens and closes at
   * that INFO's own line, so MONITOR's counts and INFO's cover the same commands.
   */
  async open(options: { keep?: boolean } = {}): Promise<CommandWindow> {
    const window: Open = { sent: 0, scripts: 0, byClient: new Map(), commands: options.keep ? [] : undefined }
    const before = await this.#processed(() => void this.#windows.add(window))
    return {
      close: async () => {
        const after = await this.#processed(() => void this.#windows.delete(window))
        return {
          sent: window.sent,
          scriptCalls: window.scripts,
          executed: after.total - before.total - (after.own - before.own),
          commands: window.commands ?? [],
          byUser: await this.#byUser(window.byClient),
        }
      },
    }
  }

  /**
   * From here on only INFO counts (`executed`; `sent` stays 0): MONITOR costs Redis time per
   * command, too much for a baseline of millions, which runs no script, so sends what it executes.
   */
  stopMonitoring(): void {
    this.#monitoring = false
    this.#monitor.disconnect()
  }

  async close(): Promise<void> {
    this.#monitor.disconnect()
    await this.#looking
    await this.#admin.quit()
  }

  #saw(args: string[], client: string): void {
    if (client === this.#address) {
      if (args[0]?.toLowerCase() === 'info') this.#atInfo.shift()?.()
      return
    }
    const script = client === 'lua'
    // A connection is listed before its AUTH, as "default", and a port can be reused: AUTH looks again.
    if (!script && (!this.#userOf.has(client) || args[0]?.toLowerCase() === 'auth')) this.#lookUp()
    for (const window of this.#windows) {
      if (script) {
        window.scripts++
        continue
      }
      window.sent++
      window.byClient.set(client, (window.byClient.get(client) ?? 0) + 1)
      window.commands?.push({ args, client })
    }
  }

  /**
   * Looks up the user of new addresses at once, while their connection is still open (CLIENT LIST
   * lists only open ones); one lookup at a time, another after it if more arrived meanwhile.
   */
  #lookUp(): void {
    if (this.#looking) {
      this.#lookAgain = true
      return
    }
    this.#own++
    this.#looking = this.#admin
      .client('LIST')
      .then((list) => {
        for (const [, address, user] of String(list).matchAll(/addr=(\S+) .*? user=(\S+)/g))
          this.#userOf.set(address!, user!)
      })
      .catch(() => undefined) // the counter closing: what stays unknown is reported as such
      .finally(() => {
        this.#looking = undefined
        if (this.#lookAgain && this.#monitoring) {
          this.#lookAgain = false
          this.#lookUp()
        }
      })
  }

  async #byUser(byClient: Map<string, number>): Promise<Map<string, number>> {
    while (this.#looking) await this.#looking
    const byUser = new Map<string, number>()
    for (const [client, count] of byClient) {
      const user = this.#userOf.get(client) ?? 'unattributed'
      byUser.set(user, (byUser.get(user) ?? 0) + count)
    }
    return byUser
  }

  /**
   * INFO's count of commands run, and how many of them were this counter's (INFO counts itself only
   * after); `atLine` runs where MONITOR shows this INFO (at once, once MONITOR is stopped).
   */
  async #processed(atLine: () => void): Promise<{ total: number; own: number }> {
    const own = this.#own++
    const shown = new Promise<void>((resolve) => {
      const at = () => {
        atLine()
        resolve()
      }
      if (this.#monitoring) this.#atInfo.push(at)
      else at()
    })
    const stats = await this.#admin.info('stats')
    await shown
    return { total: Number(/total_commands_processed:(\d+)/.exec(stats)![1]), own }
  }
}
