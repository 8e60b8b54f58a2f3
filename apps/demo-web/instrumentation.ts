/**
 * Next runs this once when the server starts: a bad environment stops `next start` with its
 * one-line error (exit 1) instead of answering 500 on every request. Nothing is connected here;
 * the cache is built on the first request.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return
  const [{ ConfigError }, { checkConfig }] = await Promise.all([
    import('distributed-validation-cache'),
    import('./lib/runtime'),
  ])
  try {
    checkConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`[demo-web] ${error.message}`)
    process.exit(1)
  }
}
