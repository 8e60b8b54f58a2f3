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

/**
 * The user store's NOTIFY channel for this prefix (the auth.users trigger's, setup/triggers.ts):
 * `<prefix>user_changed`, or — for a prefix too long for that — one named after its hash.
 */
export function userChangeChannel(prefix: string): string {
  const channel = `${prefix}user_changed`
  if (new TextEncoder().encode(channel).length <= USER_CHANGE_CHANNEL_MAX_BYTES) return channel
  return `dvc:${fnv1a(prefix).toString(36)}:user_changed`
}

// FNV-1a, 32 bits: a name, not a secret (Web Crypto's digests are async, and names are needed at once).
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return hash
}

/** The fleet heartbeat's lease: the origin of the one instance that beats (fleet/heartbeat.ts). */
export function beatLeaseKey(prefix: string): string {
  return `${prefix}beat`
}

/** The fleet's change log: who changed, and when (liveness.ts reads it to prove nothing was missed). */
export function changeLogKey(prefix: string): string {
  return `${prefix}changes`
}
