/**
 * One value per process and key, however many copies of this module the process loaded. Next.js
 * evaluates a shared module once per bundle (the proxy, each route group): a module-level
 * singleton there builds several caches, several L1s and several sets of connections in one
 * server. The registry lives on globalThis, under a key every copy of this package shares. A
 * creation that fails is forgotten, so the next call tries again (a config error is reported on
 * every request until it is fixed, not cached).
 */
const REGISTRY = Symbol.for('distributed-validation-cache.once-per-process')

export function oncePerProcess<T>(key: string, create: () => Promise<T>): Promise<T> {
  const holder = globalThis as { [REGISTRY]?: Map<string, Promise<unknown>> }
  const registry = (holder[REGISTRY] ??= new Map())
  let value = registry.get(key) as Promise<T> | undefined
  if (!value) {
    value = create()
    registry.set(key, value)
    value.catch(() => registry.get(key) === value && registry.delete(key))
  }
  return value
}
