import type { PropagationResult, ValidationCache } from '../cache.js'
import { RevocationError } from '../errors.js'
import type { UserAdmin } from './user-admin.js'

export const ADMIN_ACTIONS = ['ban', 'unban', 'delete', 'undelete', 'revoke', 'role'] as const
export type AdminAction = (typeof ADMIN_ACTIONS)[number]

export interface AdminOutcome extends PropagationResult {
  action: AdminAction
  /** The change is in the user source, the source of truth (an action that fails there throws). */
  stored: true
  /** Ban and delete: whether the user's earlier sessions were revoked too. */
  sessionsRevoked?: 'stored' | 'failed'
  /** Tries at persisting that revocation. */
  attempts?: number
  bannedUntil?: string
  role?: string | null
  /** What is left to do, when something is. */
  warning?: string
}

const REVOKE_ATTEMPTS = 2
/** A role is a short name; the cache keeps at most MAX_ROLE_LENGTH characters of one. */
export const ROLE = /^[A-Za-z0-9_.:-]{1,64}$/

/**
 * One admin change: the user source first, then the fleet. Ban and delete also revoke the user's
 * earlier sessions, so lifting them later (unban, undelete) does not bring back a cookie issued
 * before — a stolen one included. Once a ban or delete is stored the fleet is always told, even
 * if that revocation cannot be persisted: the ban is enforced either way, and the answer says
 * what is left. Throws only when nothing was changed (RevocationError for `revoke`,
 * UserNotFoundError, UnsupportedAdminActionError, or the store's own error).
 */
export async function runAdminAction(
  { cache, admin }: { cache: ValidationCache; admin: UserAdmin },
  userId: string,
  action: AdminAction,
  input: { until?: Date; role?: string | null } = {},
): Promise<AdminOutcome> {
  switch (action) {
    case 'ban': {
      if (!input.until) throw new TypeError('ban needs `until`')
      await admin.ban(userId, input.until)
      return { ...(await revokeAfter(cache, userId, action)), bannedUntil: input.until.toISOString() }
    }
    case 'delete':
      await admin.softDelete(userId)
      return revokeAfter(cache, userId, action)
    case 'unban':
      await admin.unban(userId)
      return { action, stored: true, ...(await cache.refresh(userId)) }
    case 'undelete':
      await admin.undelete(userId)
      return { action, stored: true, ...(await cache.refresh(userId)) } // not cache.restore(): revocations stay
    case 'revoke':
      return { action, stored: true, ...(await cache.revoke(userId)) }
    case 'role': {
      const role = input.role ?? null
      if (role !== null && !ROLE.test(role)) throw new TypeError(`role must match ${ROLE} or be null`)
      await admin.setRole(userId, role)
      return { action, stored: true, role, ...(await cache.refresh(userId)) } // a demotion reaches the fleet like a ban
    }
  }
}

async function revokeAfter(cache: ValidationCache, userId: string, action: AdminAction): Promise<AdminOutcome> {
  for (let attempts = 1; ; attempts++) {
    try {
      return { action, stored: true, sessionsRevoked: 'stored', attempts, ...(await cache.revoke(userId)) }
    } catch (error) {
      if (!(error instanceof RevocationError)) throw error
      if (attempts < REVOKE_ATTEMPTS) continue
      // The ban is in the store: tell the fleet now rather than leave every L1 saying "active".
      return {
        action,
        stored: true,
        sessionsRevoked: 'failed',
        attempts,
        ...(await cache.refresh(userId)),
        warning:
          `${action} stored and enforced, but revoking the user's earlier sessions failed (${error.reason}): ` +
          'retry POST …/revoke',
      }
    }
  }
}
