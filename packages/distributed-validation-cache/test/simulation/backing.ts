import type { LogEntry } from '../../src/stores/store.js'

/**
 * The one shared "Redis" of a simulated world: keys with PX expiry on the simulated clock, streams
 * with Redis's own ids (<ms>-<seq>, exact as BigInt: an attacker may write the last possible id)
 * and pub/sub. Every instance reaches it through its own Connection (connection.ts); the attacker
 * (attacker.ts) writes it directly, as a Redis client without the secret would.
 */
type Id = [ms: bigint, seq: bigint]
type Slot =
  | { kind: 'string'; value: string; expiresAt: number }
  | { kind: 'stream'; entries: { id: Id; entry: string }[]; last: Id; expiresAt: number }

const MAX = 18446744073709551615n
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'
const EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items'
const TAP = 2_000 // recorded broadcasts and written values kept for replays, per world

export const parseId = (id: string): Id | undefined => {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(id)
  return match ? [BigInt(match[1]!), BigInt(match[2]!)] : undefined
}
const formatId = ([ms, seq]: Id) => `${ms}-${seq}`
const later = (a: Id, b: Id) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])

export class Backing {
  readonly #keys = new Map<string, Slot>()
  readonly #channels = new Map<string, Set<(message: string) => void>>()
  /** What a tap on the store saw go by: broadcasts, and every value SET under an entry key. */
  readonly published: { channel: string; message: string }[] = []
  readonly written: { key: string; value: string }[] = []
  /** When a stream was begun again after the one under its key expired or went (not its first XADD). */
  readonly streamRestarts: number[] = []
  readonly #streamed = new Set<string>()

  #slot(key: string): Slot | undefined {
    const slot = this.#keys.get(key)
    if (slot && slot.expiresAt <= Date.now()) this.#keys.delete(key)
    return this.#keys.get(key)
  }

  #string(key: string): string | null {
    const slot = this.#slot(key)
    if (slot?.kind === 'stream') throw new Error(WRONGTYPE)
    return slot?.value ?? null
  }

  #stream(key: string) {
    const slot = this.#slot(key)
    if (slot?.kind === 'string') throw new Error(WRONGTYPE)
    return slot
  }

  get(key: string): string | null {
    return this.#string(key)
  }

  pttl(key: string): number {
    const slot = this.#slot(key)
    return slot ? slot.expiresAt - Date.now() : -2
  }

  set(key: string, value: string, ttlMs: number, onlyIfAbsent = false): boolean {
    if (onlyIfAbsent && this.#slot(key)) return false
    this.#keys.set(key, { kind: 'string', value, expiresAt: Date.now() + Math.max(1, Math.ceil(ttlMs)) })
    if (key.endsWith(':state')) remember(this.written, { key, value })
    return true
  }

  del(key: string): void {
    this.#keys.delete(key)
  }

  /** READ_OR_LOCK of stores/scripts.ts. */
  readOrLock(entry: string, lock: string, token: string, lockTtlMs: number, lockBelowTtlMs: number) {
    const value = this.#string(entry)
    if (value !== null && this.pttl(entry) > lockBelowTtlMs) return { value, lock: 'skipped' as const }
    if (this.set(lock, token, lockTtlMs, true)) return { value, lock: 'acquired' as const }
    return { value, lock: 'held' as const }
  }

  /** FILL of stores/scripts.ts. */
  fill(entry: string, lock: string, value: string, ttlMs: number, token: string, publish?: Publish) {
    if (this.#string(lock) !== token) return false
    this.set(entry, value, ttlMs)
    this.del(lock)
    if (publish) this.publish(publish.channel, publish.message)
    return true
  }

  publish(channel: string, message: string, record = true): void {
    if (record) remember(this.published, { channel, message })
    for (const deliver of [...(this.#channels.get(channel) ?? [])]) deliver(message)
  }

  subscribe(channel: string, deliver: (message: string) => void): () => void {
    const set = this.#channels.get(channel) ?? new Set()
    this.#channels.set(channel, set.add(deliver))
    return () => void set.delete(deliver)
  }

  /** XADD key [MAXLEN maxLength] <id or *> e entry, then PEXPIRE keepMs. */
  xadd(key: string, entry: string, maxLength = Number.POSITIVE_INFINITY, keepMs = 3_600_000, id?: string): string {
    const existing = this.#stream(key)
    if (!existing && this.#streamed.has(key)) this.streamRestarts.push(Date.now())
    this.#streamed.add(key)
    const slot = existing ?? { kind: 'stream', entries: [], last: [0n, 0n], expiresAt: 0 }
    let next: Id
    if (id !== undefined) {
      next = parseId(id)!
      if (!later(next, slot.last)) throw new Error('ERR The ID specified in XADD is equal or smaller than the top item')
    } else {
      const now = BigInt(Date.now())
      if (now > slot.last[0]) next = [now, 0n]
      else if (slot.last[1] < MAX) next = [slot.last[0], slot.last[1] + 1n]
      else if (slot.last[0] < MAX) next = [slot.last[0] + 1n, 0n]
      else throw new Error(EXHAUSTED)
    }
    slot.entries.push({ id: next, entry })
    if (slot.entries.length > maxLength) slot.entries.splice(0, slot.entries.length - maxLength)
    slot.last = next
    slot.expiresAt = Date.now() + Math.max(1, Math.ceil(keepMs))
    this.#keys.set(key, slot)
    return formatId(next)
  }

  /** XRANGE key (after + COUNT limit; after '0': from the start. */
  xrange(key: string, after: string, limit: number): LogEntry[] {
    const from = parseId(after.includes('-') ? after : `${after}-0`) ?? [0n, 0n]
    const all = this.#stream(key)?.entries ?? []
    const start = after === '0' ? 0 : all.findIndex((e) => later(e.id, from))
    return start === -1 ? [] : all.slice(start, start + limit).map(logEntry)
  }

  /** XREVRANGE key + - COUNT limit, oldest first. */
  xtail(key: string, limit: number): LogEntry[] {
    return (this.#stream(key)?.entries ?? []).slice(-limit).map(logEntry)
  }

  /** REPLACE_LOG_SCRIPT of stores/log-entries.ts: judged on the store's own clock. */
  replaceLog(key: string, aheadMs: number): boolean {
    const slot = this.#slot(key)
    if (!slot) return false
    if (slot.kind === 'stream' && slot.last[0] <= BigInt(Date.now() + aheadMs)) return false
    this.#keys.delete(key)
    return true
  }

  /** The attacker's XDEL; ids as the log gave them. */
  xdel(key: string, ids: string[]): number {
    const slot = this.#stream(key)
    if (!slot) return 0
    const before = slot.entries.length
    slot.entries = slot.entries.filter((e) => !ids.includes(formatId(e.id)))
    return before - slot.entries.length
  }

  keys(suffix: string): string[] {
    return [...this.#keys.keys()].filter((key) => key.endsWith(suffix) && this.#slot(key))
  }
}

type Publish = { channel: string; message: string }
const logEntry = (e: { id: Id; entry: string }): LogEntry => ({ id: formatId(e.id), entry: e.entry })

function remember<T>(list: T[], item: T): void {
  if (list.length >= TAP) list.shift()
  list.push(item)
}
