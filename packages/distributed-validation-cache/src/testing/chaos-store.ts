import type { Store } from '../stores/store.js'

/** The store calls a fault can hit: every one that talks to the backend. */
export type StoreCall =
  | 'get'
  | 'set'
  | 'delete'
  | 'publish'
  | 'subscribe'
  | 'appendLog'
  | 'readLog'
  | 'readOrLock'
  | 'fill'
  | 'beat'
const CALLS: readonly StoreCall[] = [
  'get',
  'set',
  'delete',
  'publish',
  'subscribe',
  'appendLog',
  'readLog',
  'readOrLock',
  'fill',
  'beat',
]

type Fault = { kind: 'throw'; error: Error } | { kind: 'delay'; ms: number } | { kind: 'stall' }

export interface Chaos {
  /** These calls (default: all) reject at once: a backend that answers with errors. */
  alwaysThrow(calls?: readonly StoreCall[], error?: Error): void
  /** These calls answer, `ms` late: a slow link. */
  delay(ms: number, calls?: readonly StoreCall[]): void
  /** These calls never settle: a connection gone quiet, which only a timeout can tell. */
  stall(calls?: readonly StoreCall[]): void
  /** Every call goes through again. */
  heal(): void
  /** How many times each call was made, faulted or not. */
  readonly calls: Readonly<Record<StoreCall, number>>
}

/**
 * Wraps any store (a built-in one or yours) with faults a test switches on and off:
 * `const store = chaosStore(redisStore(url)); store.chaos.stall(['get'])`. Everything else —
 * `backend`, the metrics methods, `close` — passes through untouched.
 */
export function chaosStore<S extends Store>(inner: S): S & { chaos: Chaos } {
  const faults = new Map<StoreCall, Fault>()
  const calls = Object.fromEntries(CALLS.map((call) => [call, 0])) as Record<StoreCall, number>
  const set = (fault: Fault | null, which: readonly StoreCall[] = CALLS) => {
    for (const call of which) fault ? faults.set(call, fault) : faults.delete(call)
  }
  const chaos: Chaos = {
    alwaysThrow: (which, error = new Error('injected store fault (chaosStore)')) =>
      set({ kind: 'throw', error }, which),
    delay: (ms, which) => set({ kind: 'delay', ms }, which),
    stall: (which) => set({ kind: 'stall' }, which),
    heal: () => faults.clear(),
    calls,
  }
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'chaos') return chaos
      const value = Reflect.get(target, property, receiver) as unknown
      if (typeof value !== 'function' || !CALLS.includes(property as StoreCall)) return value
      const call = property as StoreCall
      return (...args: unknown[]) => {
        calls[call]++
        const fault = faults.get(call)
        const run = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        if (!fault) return run()
        if (fault.kind === 'throw') return Promise.reject(fault.error)
        if (fault.kind === 'stall') return new Promise(() => undefined)
        return new Promise((resolve) => setTimeout(resolve, fault.ms)).then(run)
      }
    },
  }) as S & { chaos: Chaos }
}
