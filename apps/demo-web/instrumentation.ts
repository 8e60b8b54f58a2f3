/**
 * Next runs this once when the server starts: a bad environment stops `next start` with its
 * one-line error (exit 1) instead of answering 500 on every request. Nothing is connected here;
 * the cache is built on the first request.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') (await import('./lib/boot-check')).bootCheck()
}
