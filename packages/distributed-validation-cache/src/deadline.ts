/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms` — even when the work ignores its
 * abort signal. The one timeout race every remote call in this package goes through.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  return Promise.race([work, expired]).finally(() => clearTimeout(timer))
}
