/**
 * Redis key names. The user id sits in a hash tag, so a user's entry and lock share one Cluster
 * slot; the prefix keeps apps (and tests) sharing one Redis apart.
 */
export function entryKey(prefix: string, userId: string): string {
  return `${prefix}{${userId}}:state`
}

export function lockKey(prefix: string, userId: string): string {
  return `${prefix}{${userId}}:lock`
}

/** Claimed by the one instance that replaces the shared copy after a user store notification. */
export function notifiedKey(prefix: string, userId: string): string {
  return `${prefix}{${userId}}:notified`
}

export function invalidationChannel(prefix: string): string {
  return `${prefix}invalidate`
}

/** NOTIFY channels are identifiers: at most 63 bytes (NAMEDATALEN - 1), or pg_notify fails. */
export const USER_CHANGE_CHANNEL_MAX_BYTES = 63

/** The user store's NOTIFY channel for this prefix (the auth.users trigger's, setup/triggers.ts). */
export function userChangeChannel(prefix: string): string {
  const channel = `${prefix}user_changed`
  if (new TextEncoder().encode(channel).length > USER_CHANGE_CHANNEL_MAX_BYTES)
    throw new RangeError(`the prefix ${JSON.stringify(prefix)} is too long for a NOTIFY channel (${channel})`)
  return channel
}

/** The fleet's change log: who changed, and when (liveness.ts reads it to prove nothing was missed). */
export function changeLogKey(prefix: string): string {
  return `${prefix}changes`
}
