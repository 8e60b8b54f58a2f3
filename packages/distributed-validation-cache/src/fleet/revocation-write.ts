import { withDeadline } from '../deadline.js'
import { RevocationError } from '../errors.js'
import type { UserSource } from '../sources/user-source.js'

/**
 * Persists a revocation time (or, with null, removes it) in the user source first, so losing the
 * shared store never un-revokes anyone. Bounded even if the source ignores its abort signal; any
 * failure is a RevocationError, and then nothing was changed.
 */
export async function persistRevocation(
  source: UserSource,
  userId: string,
  at: number | null,
  timeoutMs: number,
): Promise<void> {
  const controller = new AbortController()
  try {
    await withDeadline(
      source.setSessionsRevokedAt(userId, at, controller.signal),
      timeoutMs,
      () => new RevocationError('timeout'),
    )
  } catch (error) {
    controller.abort() // after the race settled, so a timeout is reported as one
    throw error instanceof RevocationError ? error : new RevocationError('error', { cause: error })
  }
}
