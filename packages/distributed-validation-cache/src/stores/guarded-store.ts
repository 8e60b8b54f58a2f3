import { CircuitBreaker } from '../circuit-breaker.js'
import { withDeadline } from '../deadline.js'
import { StoreUnavailableError } from '../errors.js'
import type { CacheEvent, StoreOperation } from '../events.js'
import type { BeatOptions, LogEntry, ReadOrLock, Store, UserKeys } from './store.js'

export interface GuardedStoreOptions {
  /** Upper bound on any single store call; a call past it counts as a failure. */
  timeoutMs: number
  emit: (event: CacheEvent) => void
  /** Runs when the breaker closes again, e.g. to replay writes that failed while it was open. */
  onRecover?: () => void
}

/**
 * The one place that talks to the shared store: every call is counted, bounded by a timeout and
 * guarded by a circuit breaker, and every failure becomes a StoreUnavailableError. Callers treat
 * that as a miss; no request ever fails because Redis did.
 */
export class GuardedStore {
  readonly breaker: CircuitBreaker
  constructor(
    readonly store: Store,
    private readonly options: GuardedStoreOptions,
  ) {
    this.breaker = new CircuitBreaker({
      onStateChange: (state) => {
        options.emit({ type: 'breaker', target: 'store', state })
        // Calls kept failing: the link may have dropped bytes without closing (a NAT, a blackhole),
        // after which every reply answers the wrong command. Start over on a new connection.
        if (state === 'open') store.reconnect?.()
        if (state === 'closed') options.onRecover?.()
      },
    })
  }

  get(key: string): Promise<string | null> {
    return this.#run('get', () => this.store.get(key))
  }

  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    return this.#run('set', () => this.store.set(key, value, options))
  }

  delete(key: string): Promise<void> {
    return this.#run('delete', () => this.store.delete(key))
  }

  /**
   * One command where the store has the script. Where it does not (a third-party store): GET, and
   * SET NX only when there is no entry — its remaining life is unknown here, so a present entry is
   * `skipped` and the caller locks if it judges the entry unusable (no refresh-ahead).
   */
  async readOrLock(
    keys: UserKeys,
    options: { token: string; lockTtlMs: number; lockBelowTtlMs: number },
  ): Promise<ReadOrLock> {
    const store = this.store
    if (store.readOrLock) return this.#run('read-or-lock', () => store.readOrLock!(keys, options))
    const value = await this.get(keys.entry)
    if (value !== null) return { value, lock: 'skipped' }
    const locked = await this.set(keys.lock, options.token, { ttlMs: options.lockTtlMs, onlyIfAbsent: true })
    if (!locked) return { value, lock: 'held' }
    // A whole holder's turn may fit between the GET and the SET NX: look again before asking the source.
    const filled = await this.get(keys.entry)
    if (filled === null) return { value, lock: 'acquired' }
    await this.delete(keys.lock)
    return { value: filled, lock: 'skipped' }
  }

  /**
   * One command where the store has the script; GET, SET, DEL, PUBLISH where it does not — the
   * lock checked first, but not atomically: a custom store without `fill` narrows the race only.
   */
  async fill(
    keys: UserKeys,
    value: string,
    options: { ttlMs: number; token: string; publish?: { channel: string; message: string } },
  ): Promise<boolean> {
    const store = this.store
    if (store.fill) return this.#run('fill', () => store.fill!(keys, value, options))
    if ((await this.get(keys.lock)) !== options.token) return false
    await this.set(keys.entry, value, { ttlMs: options.ttlMs })
    await this.delete(keys.lock)
    if (options.publish) await this.publish(options.publish.channel, options.publish.message)
    return true
  }

  /** The heartbeat's one command; null where the store has no such script (then nobody beats). */
  async beat(keys: { lease: string; log: string }, options: BeatOptions): Promise<'sent' | 'moved' | 'held' | null> {
    const store = this.store
    return store.beat ? this.#run('beat', () => store.beat!(keys, options)) : null
  }

  publish(channel: string, message: string): Promise<void> {
    return this.#run('publish', () => this.store.publish(channel, message))
  }

  appendLog(key: string, entry: string, maxLength: number, keepMs: number): Promise<string> {
    return this.#run('log', () => this.store.appendLog(key, entry, maxLength, keepMs))
  }

  readLog(key: string, after: string, limit: number): Promise<LogEntry[]> {
    return this.#run('read-log', () => this.store.readLog(key, after, limit))
  }

  /** The newest entries, oldest first; undefined when the store cannot say (it has no `readLogTail`). */
  async readLogTail(key: string, limit: number): Promise<LogEntry[] | undefined> {
    const store = this.store
    return store.readLogTail ? this.#run('read-log', () => store.readLogTail!(key, limit)) : undefined
  }

  /**
   * See `Store.replaceLog`. A store without it cannot judge the log: after an append that failed
   * for that reason (`appendFailed`) the log is deleted anyway — it held nothing more could follow.
   */
  async replaceLog(key: string, aheadMs: number, { appendFailed = false } = {}): Promise<boolean> {
    const store = this.store
    if (store.replaceLog) return this.#run('log', () => store.replaceLog!(key, aheadMs))
    if (!appendFailed) return false
    await this.delete(key)
    return true
  }

  async #run<T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> {
    const { emit, timeoutMs } = this.options
    if (!this.breaker.allow()) {
      emit({ type: 'store-error', operation, reason: 'circuit-open' })
      throw new StoreUnavailableError('circuit-open')
    }
    emit({ type: 'store-command', operation })
    try {
      const result = await withDeadline(call(), timeoutMs, () => new StoreUnavailableError('timeout'))
      this.breaker.success()
      return result
    } catch (error) {
      const unavailable =
        error instanceof StoreUnavailableError ? error : new StoreUnavailableError('error', { cause: error })
      emit({ type: 'store-error', operation, reason: unavailable.reason })
      this.breaker.failure()
      throw unavailable
    }
  }
}
