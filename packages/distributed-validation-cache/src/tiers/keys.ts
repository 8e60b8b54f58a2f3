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

export function invalidationChannel(prefix: string): string {
  return `${prefix}invalidate`
}

/** The fleet's change log: who changed, and when (liveness.ts reads it to prove nothing was missed). */
export function changeLogKey(prefix: string): string {
  return `${prefix}changes`
}
