import type { Store, Subscription, SubscriptionHandlers } from '../../src/stores/store.js'
import type { Backing } from './backing.js'

/**
 * What the schedule can do to one instance's network, until it heals:
 * - drop: every command fails at once (connection reset), the subscription drops (onListening false);
 * - partition: commands and broadcasts hang, silently (the subscription still says it listens);
 *   on heal the held commands run and the held broadcasts arrive (or are lost: `lose`);
 * - delay: `ms` more each way, commands and broadcasts;
 * - deaf: broadcasts are lost silently, PING hangs; commands fine; a reconnect heals it;
 * - late: broadcasts (and PONGs) arrive `ms` late, in order;
 * - frozen: the process is stopped: the runner issues it nothing, everything it sent or is sent
 *   is held until the thaw (its timers still fire: the engine's own timeouts bound what waits).
 */
export type Fault =
  | { kind: 'drop' | 'deaf' | 'frozen' }
  | { kind: 'partition'; lose: boolean }
  | { kind: 'delay' | 'late'; ms: number }

type Held = () => void

/**
 * One instance's connection to the shared backing state: every call of its Store passes here,
 * FIFO (Redis answers a connection's commands in order), `latencyMs` each way on the simulated clock.
 */
export class Connection {
  fault: Fault | undefined
  readonly commands = new Map<string, number>()
  #closed = false
  #held: Held[] = []
  #lastExec = 0
  #lastReply = 0
  #lastMessage = 0
  readonly #subscriptions = new Set<SimSubscription>()

  constructor(
    readonly name: string,
    private readonly backing: Backing,
    readonly latencyMs: number,
  ) {}

  get total(): number {
    let sum = 0
    for (const n of this.commands.values()) sum += n
    return sum
  }

  /** Starts a fault now, healed after `ms` (unless another replaced it meanwhile). */
  impose(fault: Fault, ms: number): void {
    if (this.fault) this.heal()
    this.fault = fault
    if (fault.kind === 'drop') for (const s of this.#subscriptions) s.drop()
    setTimeout(() => this.fault === fault && this.heal(), ms)
  }

  heal(): void {
    const fault = this.fault
    this.fault = undefined
    const held = this.#held
    this.#held = []
    const lose = fault?.kind === 'partition' && fault.lose
    for (const run of held) run()
    for (const s of this.#subscriptions) {
      if (lose) s.loseDue()
      s.flushDue()
      s.relisten() // a reconnect or a drop met while the link was down completes now
    }
  }

  get #down(): boolean {
    return this.fault?.kind === 'partition' || this.fault?.kind === 'frozen'
  }

  get #oneWay(): number {
    return this.latencyMs + (this.fault?.kind === 'delay' ? this.fault.ms : 0)
  }

  /** One command: sent now, run on the backing state one way later, answered one way after that. */
  call<T>(operation: string, exec: () => T): Promise<T> {
    this.commands.set(operation, (this.commands.get(operation) ?? 0) + 1)
    if (this.#closed) return Promise.reject(new Error('connection closed (sim)'))
    if (this.fault?.kind === 'drop') return Promise.reject(new Error('ECONNRESET (sim)'))
    return new Promise<T>((resolve, reject) => {
      const send = () => {
        const execAt = (this.#lastExec = Math.max(Date.now() + this.#oneWay, this.#lastExec))
        at(execAt, () => {
          let outcome: () => void
          try {
            const result = exec()
            outcome = () => resolve(result)
          } catch (error) {
            outcome = () => reject(error)
          }
          this.#reply(outcome)
        })
      }
      if (this.#down) this.#held.push(send)
      else send()
    })
  }

  #reply(outcome: () => void): void {
    const replyAt = (this.#lastReply = Math.max(Date.now() + this.#oneWay, this.#lastReply))
    at(replyAt, () => (this.#down ? this.#held.push(outcome) : outcome()))
  }

  /** A broadcast reaching this connection's subscriber (in order, after the one before it). */
  deliver(subscription: SimSubscription, message: string): void {
    const kind = this.fault?.kind
    if (kind === 'deaf' || kind === 'drop' || !subscription.listening) return
    const late = this.fault?.kind === 'late' ? this.fault.ms : 0
    const deliverAt = (this.#lastMessage = Math.max(Date.now() + this.#oneWay + late, this.#lastMessage))
    subscription.pending.push({ message, deliverAt })
    // Never inside the publisher's own call, as on a real broker (a microtask when it is due now).
    const due = () => void (this.#down || subscription.flushDue())
    if (deliverAt > Date.now()) setTimeout(due, deliverAt - Date.now())
    else void Promise.resolve().then(due)
  }

  /** Settles after a round trip on the subscribed connection, if it still carries bytes both ways. */
  ping(): Promise<void> {
    this.commands.set('ping', (this.commands.get('ping') ?? 0) + 1)
    const kind = this.fault?.kind
    if (kind === 'deaf' || kind === 'drop' || this.#down) return new Promise(() => undefined)
    const late = this.fault?.kind === 'late' ? this.fault.ms : 0
    return new Promise((resolve) => setTimeout(resolve, 2 * this.#oneWay + late))
  }

  /** The instance's Store: every method one call through this connection. */
  store(): Store {
    const b = this.backing
    return {
      backend: 'sim',
      get: (key) => this.call('get', () => b.get(key)),
      set: (key, value, { ttlMs, onlyIfAbsent }) => this.call('set', () => b.set(key, value, ttlMs, onlyIfAbsent)),
      delete: (key) => this.call('delete', () => b.del(key)),
      publish: (channel, message) => this.call('publish', () => b.publish(channel, message)),
      appendLog: (key, entry, maxLength, keepMs) => this.call('xadd', () => b.xadd(key, entry, maxLength, keepMs)),
      readLog: (key, after, limit) => this.call('xrange', () => b.xrange(key, after, limit)),
      readLogTail: (key, limit) => this.call('xrevrange', () => b.xtail(key, limit)),
      replaceLog: (key, aheadMs) => this.call('replace-log', () => b.replaceLog(key, aheadMs)),
      readOrLock: (keys, o) =>
        this.call('read-or-lock', () => b.readOrLock(keys.entry, keys.lock, o.token, o.lockTtlMs, o.lockBelowTtlMs)),
      fill: (keys, value, { ttlMs, token, publish }) =>
        this.call('fill', () => b.fill(keys.entry, keys.lock, value, ttlMs, token, publish)),
      subscribe: (channel, handlers) => this.#subscribe(channel, handlers),
      reconnect: () => void this.commands.set('reconnect', (this.commands.get('reconnect') ?? 0) + 1),
      close: async () => {
        this.#closed = true
        for (const s of this.#subscriptions) s.end()
      },
    }
  }

  async #subscribe(channel: string, handlers: SubscriptionHandlers): Promise<Subscription> {
    const subscription = new SimSubscription(handlers)
    subscription.end = this.backing.subscribe(channel, (message) => this.deliver(subscription, message))
    this.#subscriptions.add(subscription)
    // Confirmed one round trip later if the link is up (after a partition heals: later); a dropped
    // link confirms when it comes back (heal). Resolved after a bounded wait either way, as redis.ts.
    const confirmed = this.call('subscribe', () => undefined).then(
      () => this.fault?.kind !== 'drop' && subscription.relisten(),
      () => undefined,
    )
    await Promise.race([confirmed, new Promise((resolve) => setTimeout(resolve, 2_000))])
    if (this.#closed) subscription.end() // the instance closed while it waited: nobody listens
    const unsubscribe = async () => {
      this.#subscriptions.delete(subscription)
      subscription.end()
      subscription.listening = false
    }
    return Object.assign(unsubscribe, {
      ping: () => this.ping(),
      // A new connection: a silently deaf one is replaced; a partition or drop is not healed by it.
      reconnect: () => {
        this.commands.set('reconnect', (this.commands.get('reconnect') ?? 0) + 1)
        subscription.drop()
        if (this.fault?.kind === 'deaf') this.fault = undefined
        setTimeout(() => this.fault?.kind === 'drop' || this.#down || subscription.relisten(), 2 * this.#oneWay)
      },
    })
  }
}

class SimSubscription {
  listening = false
  pending: { message: string; deliverAt: number }[] = []
  end: () => void = () => undefined
  constructor(readonly handlers: SubscriptionHandlers) {}

  relisten(): void {
    if (this.listening) return
    this.listening = true
    this.handlers.onListening?.(true)
  }

  drop(): void {
    if (!this.listening) return
    this.listening = false
    this.pending = []
    this.handlers.onListening?.(false)
  }

  /** Hands over, in order, the messages whose time has come (all that were held, after a heal). */
  flushDue(): void {
    const now = Date.now()
    while (this.pending.length > 0 && this.pending[0]!.deliverAt <= now) {
      const { message } = this.pending.shift()!
      if (this.listening) this.handlers.onMessage(message)
    }
  }

  /** A partition that lost what it held: the messages due meanwhile never arrive. */
  loseDue(): void {
    const now = Date.now()
    this.pending = this.pending.filter((p) => p.deliverAt > now)
  }
}

/** Runs `fn` at simulated time `time`: now, synchronously, when that is now (zero latency costs no timer). */
function at(time: number, fn: () => void): void {
  const wait = time - Date.now()
  if (wait <= 0) fn()
  else setTimeout(fn, wait)
}
