/**
 * Every error this package throws on purpose. Each says what went wrong and what to do,
 * so a caller can branch on the class and a human can act on the message.
 */
const BRAND = Symbol.for('distributed-validation-cache/error')

export class ValidationCacheError extends Error {
  override name = 'ValidationCacheError'
  /** Survives minification, unlike class names: what instanceof compares across module copies. */
  static readonly code: string = 'ValidationCacheError'

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options)
    Object.defineProperty(this, BRAND, { value: (this.constructor as typeof ValidationCacheError).code })
  }

  // Bundlers can load this module twice (one copy per entry point), and then an error from one
  // copy fails `instanceof` against the other. Recognise ours by a global brand instead.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false
    const code = (value as Record<symbol, unknown>)[BRAND]
    return typeof code === 'string' && (this.code === 'ValidationCacheError' || code === this.code)
  }
}

/** The user id was rejected before any store or source was touched. */
export class InvalidUserIdError extends ValidationCacheError {
  override name = 'InvalidUserIdError'
  static override readonly code: string = 'InvalidUserIdError'
  constructor(readonly problem: 'not-a-string' | 'empty' | 'too-long' | 'not-a-uuid' | 'bad-characters') {
    const advice =
      problem === 'not-a-uuid'
        ? 'Supabase ids are UUIDs — set requireUuid: false for other stores'
        : problem === 'bad-characters'
          ? 'ids may use only letters, digits and . _ @ : | + = -'
          : 'it must be a non-empty string of at most 255 characters'
    super(`invalid user id (${problem}): pass the session's user id (the JWT "sub"); ${advice}`)
  }
}

/** A configuration value is wrong. The message is one line naming the variable. */
export class ConfigError extends ValidationCacheError {
  override name = 'ConfigError'
  static override readonly code: string = 'ConfigError'
  constructor(readonly issues: readonly { variable: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.variable} ${i.message}`).join('; ')}`)
  }
}

/** The shared store (Redis/Upstash) failed, timed out, or its circuit breaker is open. */
export class StoreUnavailableError extends ValidationCacheError {
  override name = 'StoreUnavailableError'
  static override readonly code: string = 'StoreUnavailableError'
  constructor(
    readonly reason: 'timeout' | 'error' | 'circuit-open',
    options?: { cause?: unknown },
  ) {
    super(
      `shared cache store unavailable (${reason}); validation continues on the local cache and the user source`,
      options,
    )
  }
}

/** Persisting a revocation in the user source failed or timed out: nothing was changed, retry the call. */
export class RevocationError extends ValidationCacheError {
  override name = 'RevocationError'
  static override readonly code: string = 'RevocationError'
  constructor(
    readonly reason: 'error' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(`could not persist the revocation in the user source (${reason}); nothing was changed — retry`, options)
  }
}

/** The user source has no such user: there is nothing to change. */
export class UserNotFoundError extends ValidationCacheError {
  override name = 'UserNotFoundError'
  static override readonly code: string = 'UserNotFoundError'
  constructor() {
    super('no such user in the user source')
  }
}

/** The configuration selects a backend (or a feature) whose client package is not installed: add it. */
export class MissingDriverError extends ValidationCacheError {
  override name = 'MissingDriverError'
  static override readonly code: string = 'MissingDriverError'
  constructor(
    readonly packages: string,
    readonly variable: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${variable} needs ${packages}, which is not installed: ` +
        `add it to your app (pnpm add ${packages.replace(' and ', ' ')})`,
      options,
    )
  }
}
