import { sign, verify } from '../crypto/signing.js'

/** How often the fleet's one leader beats while it serves: one store command each, for the whole fleet. */
export const BEAT_MS = 750
/** The leader's lease: an instance that has heard no beat this long tries to lead. */
export const LEASE_MS = 3 * BEAT_MS
/** A beat older than this proves nothing: delayed on the way, or recorded and republished. */
const FRESH_MS = BEAT_MS + 250
/** A beat from further ahead of this clock than this is not believed either. */
const AHEAD_MS = 1_000

/**
 * A leader's word, signed, that the change log's newest entry was `head` at `time` (the store's
 * clock): an instance whose cursor is `head` has applied every logged change up to then, and holds
 * a proof without reading the log. One beat replaces a log read per listening instance per second.
 */
export type Beat = { kind: 'beat'; origin: string; time: number; head: string }

export async function encodeBeat(secret: string, beat: Omit<Beat, 'kind'>): Promise<string> {
  const fields = ['b', beat.origin, beat.time, beat.head]
  return JSON.stringify([...fields, await sign(secret, JSON.stringify(fields))])
}

/** The beat in a decoded wire array (`['b', origin, time, head, signature]`), if well formed and signed. */
export async function decodeBeat(secret: string, wire: unknown[]): Promise<Beat | undefined> {
  if (wire.length !== 5) return undefined
  const [kind, origin, time, head, signature] = wire
  if (kind !== 'b' || typeof origin !== 'string' || typeof head !== 'string' || typeof signature !== 'string')
    return undefined
  if (typeof time !== 'number' || !Number.isFinite(time)) return undefined
  if (!(await verify(secret, JSON.stringify([kind, origin, time, head]), signature))) return undefined
  return { kind: 'beat', origin, time, head }
}

/** What the beat script found: sent (the head was our cursor), moved (it was not), held (another leads). */
export type BeatOutcome = 'sent' | 'moved' | 'held'

export interface HeartbeatOptions {
  /** The user store's time: beats are dated on it. */
  now: () => number
  /** The last log id this instance applied. */
  cursor: () => string
  /**
   * Takes or keeps the lease and publishes the signed beat if the log's head is still `head`
   * (FleetChannel.beat, stores/scripts.ts BEAT); null: the store did not answer.
   */
  beat: (time: number, head: string, leaseTtlMs: number) => Promise<BeatOutcome | null>
  /** A proof dated at `mono` (performance.now()): nothing logged before then was missed. */
  prove: (mono: number) => void
  /** The log moved past this cursor: read it. */
  read: () => void
  /** The lease is held, so beats are being sent, yet none reached this instance: its subscription is deaf. */
  deaf: () => void
}

/**
 * The fleet heartbeat (docs/PROTOCOL.md): one instance at a time leads, by a lease in the store,
 * and beats every BEAT_MS while it serves — one script that checks the log's head against its
 * cursor, renews the lease and publishes the signed beat. A listening instance that hears a fresh
 * beat whose head is its own cursor is proven; one whose cursor is behind reads the log once. So a
 * quiet fleet's liveness costs one command per beat whatever its size, and a change costs each
 * listening instance one read. An instance that hears no beat (deaf, a leader gone, a store
 * without the script) falls back to reading the log itself, and tries to lead.
 */
export class FleetHeartbeat {
  #leading = false
  #lastSent = Number.NEGATIVE_INFINITY
  #lastHeardMono = Number.NEGATIVE_INFINITY
  #lastHeardTime = Number.NEGATIVE_INFINITY
  /** The leader's own beats heard back (its stream works), and the first one sent since the last echo. */
  #lastEchoMono = Number.NEGATIVE_INFINITY
  #unechoedSince: number | undefined
  /** The first tick (ticks run only while listening): silence is counted from there, not from the start. */
  #firstTick: number | undefined
  #beating: Promise<void> | undefined

  constructor(private readonly options: HeartbeatOptions) {}

  /**
   * Whether beats reach this instance — another's, or as leader its own, back on its own stream —
   * so that its proof comes from them (and its subscription needs no other in-band check).
   */
  flowing(mono = performance.now()): boolean {
    const heard = Math.max(this.#lastHeardMono, this.#leading ? this.#lastEchoMono : Number.NEGATIVE_INFINITY)
    return mono - heard < FRESH_MS
  }

  /** For stats: leading the beat, following one that flows, or hearing none (this instance reads the log). */
  state(mono = performance.now()): 'leading' | 'following' | 'silent' {
    if (this.#leading && mono - this.#lastSent < FRESH_MS) return 'leading'
    return mono - this.#lastHeardMono < FRESH_MS ? 'following' : 'silent'
  }

  /** On the validation path: the leader beats when due; an instance that hears none tries to lead. */
  tick(mono = performance.now()): void {
    if (this.#beating) return
    this.#firstTick ??= mono
    const due = this.#leading
      ? mono - this.#lastSent >= BEAT_MS
      : this.#quietFor(mono) >= LEASE_MS && mono - this.#lastSent >= LEASE_MS
    if (due) this.#beating = this.#beat(mono).finally(() => (this.#beating = undefined))
  }

  /**
   * A beat heard on the fleet channel (verified). Our own, back: the leader's stream works end to
   * end (a leader proves its log by the script's answer, and its subscription by this echo).
   */
  heard(beat: Beat, own: boolean, mono = performance.now()): void {
    if (own) {
      this.#lastEchoMono = mono
      this.#unechoedSince = undefined
      return
    }
    const age = this.options.now() - beat.time
    if (age > FRESH_MS || age < -AHEAD_MS || beat.time <= this.#lastHeardTime) return
    this.#lastHeardTime = beat.time
    this.#lastHeardMono = mono
    this.#leading = false // another instance holds the lease
    if (beat.head === this.options.cursor()) this.options.prove(mono - Math.max(0, age))
    else this.options.read()
  }

  async #beat(mono: number): Promise<void> {
    this.#lastSent = mono
    const head = this.options.cursor()
    const outcome = await this.options.beat(this.options.now(), head, LEASE_MS).catch(() => null)
    this.#leading = outcome === 'sent' || outcome === 'moved'
    if (outcome === 'sent') {
      this.options.prove(mono) // the head was our cursor when the script ran
      // Sent, yet a beat sent a while ago never came back on our own stream: the subscription is deaf.
      this.#unechoedSince ??= mono
      if (mono - this.#unechoedSince > FRESH_MS + BEAT_MS) {
        this.#unechoedSince = undefined
        this.options.deaf()
      }
    } else if (outcome === 'moved') this.options.read()
    else if (outcome === 'held' && this.#quietFor(mono) >= LEASE_MS) this.options.deaf()
  }

  /** How long no beat has reached this instance, counted from its first tick at the earliest. */
  #quietFor(mono: number): number {
    return mono - Math.max(this.#lastHeardMono, this.#firstTick ?? mono)
  }
}
