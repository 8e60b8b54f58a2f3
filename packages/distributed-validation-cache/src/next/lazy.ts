/**
 * A value, or a function giving it (sync or async): what handler factories take, so a route file
 * is one line — `export const GET = observabilityHandler(observabilityContext)` — and the value is
 * asked for per request (the app's once-per-process runtime), never built at import or build time.
 */
export type Lazy<T> = T | (() => T | Promise<T>)

export async function resolveLazy<T>(value: Lazy<T>): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : value
}
