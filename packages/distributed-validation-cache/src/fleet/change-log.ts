import type { CacheEvent } from '../events.js'
import type { GuardedStore } from '../stores/guarded-store.js'
import { idBefore, idMs, isUnwritableLog } from '../stores/log-entries.js'
import type { LogEntry } from '../stores/store.js'

/**
 * A log id further ahead of this process's clocks than this is no cursor: the store's ids follow
 * its own clock, so one from the future (up to the last possible id) was written by someone, and
 * a cursor moved onto it would skip every real entry of a log replaced since. Judged here only to
 * stop reading there; whether the log is replaced is the store's own clock's call (replaceLog).
 */
export const AHEAD_MS = 5_000
/** A reader that met such a log asks the store to replace it at most this often (one script). */
const REPAIR_EVERY_MS = 10_000

/** One read of the log, before its entries are verified. */
export interface LogPage {
  entries: LogEntry[]
  /** Entries the store sent after the cursor (a full page: there may be more). */
  count: number
  /** The id to read after next time. */
  last: string
  /**
   * The entry under the cursor is gone (trimmed past, deleted, replaced, expired): the entries
   * after it may be gone too. Nothing else is set then but `resumesAt`; the reader starts over from '0'.
   */
  gap: boolean
  /** With a gap: the millisecond of the first entry found past the cursor's place, if any (the store's clock). */
  resumesAt?: number
  /** The read stopped at an entry whose id is far ahead (AHEAD_MS): nothing after it can be read. */
  ahead: boolean
}

export interface ChangeLogOptions {
  key: string
  /** Entries kept (about), and how long the log lives after its last append. */
  maxLength: number
  keepMs: number
  /** The user store's time. */
  now: () => number
  emit: (event: CacheEvent) => void
}

/**
 * The fleet's change log in the shared store, as FleetChannel appends it and FleetSync reads it —
 * kept usable against whoever can write Redis without the secret: they cannot sign an entry, but
 * they can SET its key, write the last possible id (every later XADD fails) or one from the future.
 */
export class ChangeLog {
  #lastRepair = Number.NEGATIVE_INFINITY

  constructor(
    private readonly guarded: GuardedStore,
    private readonly options: ChangeLogOptions,
  ) {}

  /**
   * The entry's id, or null when it is not logged (the caller retries). A log that can take no
   * more appends is replaced first: without that, every ban after the attack would stay pending.
   */
  async append(entry: string): Promise<string | null> {
    const { key, maxLength, keepMs } = this.options
    const append = () => this.guarded.appendLog(key, entry, maxLength, keepMs)
    try {
      return await append()
    } catch (error) {
      if (!isUnwritableLog(error)) return null // a timeout, a lost connection: the log is not the problem
    }
    // False too when another instance replaced it first: ours then goes into that new log.
    if ((await this.#replace(true)) === null) return null
    return append().catch(() => null)
  }

  /**
   * The entries after `after` ('0': from the start), oldest first, up to the first whose id is
   * too far ahead; null when the store did not answer. A cursor's own entry is read too, to tell
   * whether it is still there (`gap`).
   */
  async read(after: string, limit: number): Promise<LogPage | null> {
    const before = after === '0' ? undefined : idBefore(after)
    let entries: LogEntry[]
    try {
      entries = await this.guarded.readLog(this.options.key, before ?? after, before ? limit + 1 : limit)
    } catch (error) {
      if (isUnwritableLog(error)) this.#repairSoon() // someone SET its key: every read fails until it goes
      return null
    }
    if (before !== undefined) {
      if (entries[0]?.id !== after) {
        const resumesAt = entries[0] && idMs(entries[0].id)
        return { entries: [], count: entries.length, last: after, gap: true, ahead: false, resumesAt }
      }
      entries = entries.slice(1)
    }
    return this.#page(entries, after)
  }

  /** The newest `limit` entries; null when the store did not answer, undefined when it cannot say. */
  async tail(limit: number): Promise<LogPage | null | undefined> {
    let entries: LogEntry[] | undefined
    try {
      entries = await this.guarded.readLogTail(this.options.key, limit)
    } catch {
      return null
    }
    return entries && this.#page(entries, '0')
  }

  get readsTails(): boolean {
    return typeof this.guarded.store.readLogTail === 'function'
  }

  #page(entries: LogEntry[], after: string): LogPage {
    const horizon = Math.max(this.options.now(), Date.now()) + AHEAD_MS // the larger: never a good id refused
    const far = entries.findIndex(({ id }) => (idMs(id) ?? 0) > horizon)
    if (far !== -1) this.#repairSoon()
    const kept = far === -1 ? entries : entries.slice(0, far)
    return { entries: kept, count: entries.length, last: kept.at(-1)?.id ?? after, gap: false, ahead: far !== -1 }
  }

  /** In the background, rarely: a reader met a log no append can follow, and a quiet fleet appends nothing. */
  #repairSoon(): void {
    const now = performance.now()
    if (now - this.#lastRepair < REPAIR_EVERY_MS) return
    this.#lastRepair = now
    void this.#replace(false)
  }

  /** Whether the log was replaced; null when the store did not answer. */
  async #replace(appendFailed: boolean): Promise<boolean | null> {
    const replaced = await this.guarded.replaceLog(this.options.key, AHEAD_MS, { appendFailed }).catch(() => null)
    if (replaced) this.options.emit({ type: 'log-replaced' })
    return replaced
  }
}
