import {
  ADMIN_ACTIONS,
  type AdminAction,
  assertUserId,
  InvalidUserIdError,
  RevocationError,
  runAdminAction,
  UnsupportedAdminActionError,
  UserNotFoundError,
} from 'distributed-validation-cache'
import type { AdminInput } from './admin-input'
import { adminOf, RoleUnconfirmedError } from './admin-session'
import { runtime } from './runtime'

/** What an admin action answered: the HTTP status it stands for, and its JSON body. */
export interface AdminOutcome {
  status: number
  body: Record<string, unknown>
}

export interface AdminRequest {
  /** The request's headers: whose session asks. */
  headers: Headers
  id: string
  action: string
  /** The action's input, read only once the asker is known to be an admin (a string: why it is refused). */
  input: (action: AdminAction) => Promise<AdminInput | string> | AdminInput | string
}

const outcome = (status: number, body: Record<string, unknown>): AdminOutcome => ({ status, body })

/**
 * One admin action, end to end — for the HTTP admin API and the admin page's Server Action alike:
 * admins only, checked again once the input is in (the admin may have been demoted or banned
 * while it arrived); the user source first, then the fleet (runAdminAction); partial outcomes said.
 */
export async function performAdminAction(request: AdminRequest): Promise<AdminOutcome> {
  try {
    if (!(await adminOf(request))) {
      const signedIn = /(?:^|;\s*)(?:__Secure-)?next-auth\.session-token/.test(request.headers.get('cookie') ?? '')
      return signedIn
        ? outcome(403, { error: 'forbidden', reason: 'admin role required (raw_app_meta_data.role = "admin")' })
        : outcome(401, { error: 'unauthenticated' })
    }
    if (!(ADMIN_ACTIONS as readonly string[]).includes(request.action))
      return outcome(404, { error: 'not_found', reason: `unknown action; use one of ${ADMIN_ACTIONS.join(', ')}` })
    const action = request.action as AdminAction
    assertUserId(request.id, true) // before the user source sees it
    const input = await request.input(action)
    if (typeof input === 'string') return outcome(400, { error: 'bad_request', reason: input })
    if (!(await adminOf(request, { fresh: true })))
      return outcome(403, { error: 'forbidden', reason: 'admin role required' })
    return outcome(200, { ...(await runAdminAction(await runtime(), request.id, action, input)) })
  } catch (error) {
    if (error instanceof InvalidUserIdError) return outcome(400, { error: 'bad_request', reason: error.message })
    const cause = error instanceof RevocationError ? error.cause : error
    if (cause instanceof UserNotFoundError) return outcome(404, { error: 'not_found', reason: 'no such user' })
    if (error instanceof UnsupportedAdminActionError)
      return outcome(409, { error: 'unsupported', reason: error.message })
    if (error instanceof RevocationError || error instanceof RoleUnconfirmedError)
      return outcome(503, { error: 'unavailable', reason: error.message })
    throw error
  }
}
