import type { CacheEvent } from './events.js'
import type { UserSource } from './user-source.js'
import { MISSING_USER, type UserState } from './user-state.js'

export type SourceAnswer = { ok: true; state: UserState } | { ok: false; reason: 'error' | 'timeout'; error: unknown }

/**
 * Asks the user source once, bounded by a timeout even if the source ignores its abort signal.
 * An error or a timeout is reported as such, never as a verdict.
 */
export async function querySource(source: UserSource, userId: string, timeoutMs: number, emit: (event: CacheEvent) => void): Promise<SourceAnswer> {
  const started = performance.now()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  try {
    const result = await Promise.race([source.fetchUser(userId, controller.signal), timedOut])
    const durationMs = performance.now() - started
    if (result === 'timeout') {
      controller.abort(new Error(`user source timed out after ${timeoutMs} ms`))
      emit({ type: 'source-query', outcome: 'timeout', durationMs })
      return { ok: false, reason: 'timeout', error: controller.signal.reason }
    }
    emit({ type: 'source-query', outcome: result ? 'found' : 'not-found', durationMs })
    return { ok: true, state: result ?? MISSING_USER }
  } catch (error) {
    emit({ type: 'source-query', outcome: 'error', durationMs: performance.now() - started })
    return { ok: false, reason: 'error', error }
  } finally {
    clearTimeout(timer)
  }
}
