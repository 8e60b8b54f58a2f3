/**
 * A value, or a function giving it (sync or async): what handler factories take, so a route file
 * is one line — `export const GET = observabilityHandler(observabilityContext)` — and the value is
 * asked for per request (the app's once-per-process runtime), never built at import or build time.
 */
export type Lazy<T> = T | (() => T | Promise<T>)

export async function resolveLazy<T>(value: Lazy<T>): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : value
}

/**
 * Marks the request dynamic before anything is built: while `next build` prerenders a handler or
 * page (Cache Components), `connection()` never settles, so the cache — and its Redis connection —
 * is not made during the build. Outside a request (a test, a script) it throws: then go on.
 */
export async function atRequestTime(): Promise<void> {
  const { connection } = await import('next/server')
  let request: Promise<void>
  try {
    request = connection()
  } catch {
    return // no request scope
  }
  await request
}
