import { toMs, type Duration } from './config/duration.js'
import { randomToken } from './crypto/signing.js'
import { ConfigError } from './errors.js'
import type { EventListener } from './events.js'
import type { Store } from './stores/store.js'
import { memoryStore } from './stores/memory.js'
import type { UserSource } from './sources/user-source.js'

export interface ValidationCacheOptions {
  source: UserSource
  /** The shared L2 store. Default: an in-process memory store (one instance only). */
  store?: Store
  /** How long a user's state is trusted. Default "5 m". */
  ttl?: Duration
  /** For banned, deleted and missing users, so an unban shows quickly. Default "1 m". */
  negativeTtl?: Duration
  /** How long past its TTL a state may be served while the user source is failing. Default "10 m". */
  grace?: Duration
  /**
   * How long this process trusts its own L1 copy. Default: the TTL while the process hears fleet
   * broadcasts, and 1 s while it does not (subscribe: false, serverless, or a dropped
   * subscription) — then this bounds how long a revoked user stays in. Setting it applies to both.
   */
  l1Ttl?: Duration
  /** Most users kept in L1. Default 10,000; at most 1,000,000 (MAX_L1_SIZE). */
  l1MaxSize?: number
  /** Key prefix in the shared store: 1–64 letters, digits or `:_.-`. Default "dvc:". */
  prefix?: string
  /** Signs L2 entries and broadcasts. Required for a shared store; the same on every instance. */
  secret?: string
  /** Bound on one store call. Default "250 ms". */
  storeTimeout?: Duration
  /** Bound on one user-source query. Default "2 s". */
  sourceTimeout?: Duration
  /** Reject ids that are not UUIDs (Supabase's) before any lookup. Default true. */
  requireUuid?: boolean
  /** false: no caching at all, every validation asks the source (ENABLE_AUTH_VALIDATION_CACHE=false). */
  enabled?: boolean
  /** Listen for fleet broadcasts. Default true; false where the process cannot hold a connection. */
  subscribe?: boolean
  /**
   * Listen for the user store's own change notifications (the auth.users trigger, `dvc-db-setup
   * --triggers`), where the source can (the postgres source: one LISTEN connection). Default true.
   */
  listen?: boolean
  /** How often that listening connection is proven end to end (one probe query). Default "5 s". */
  listenHeartbeat?: Duration
  /** Names this process in broadcasts and observability. Default: a random id. */
  instanceId?: string
  onEvent?: EventListener
}

export type ResolvedOptions = ReturnType<typeof resolveOptions>

/**
 * lru-cache preallocates its slot arrays at construction: measured with process.memoryUsage()
 * (Node 20, lru-cache 11), `new LRUCache({ max: 1_000_000 })` costs ~15 MiB of RSS before any
 * entry, and 2e7 ~300 MiB. An engine on the memory store builds three caches of this size.
 */
export const MAX_L1_SIZE = 1_000_000
export const sizeProblem = (size: number): string | undefined =>
  !Number.isInteger(size) || size < 1
    ? `must be a positive integer (got ${size})`
    : size > MAX_L1_SIZE
      ? `must be at most ${MAX_L1_SIZE} (lru-cache preallocates memory for every slot) (got ${size})`
      : undefined

// The channel `${prefix}invalidate` goes unescaped into Upstash's SSE URL (/subscribe/<channel>):
// `?`, `#`, `/`, `%` or a space would subscribe to another channel. Braces would end the key's hash tag.
const SAFE_PREFIX = /^[A-Za-z0-9:_.-]{1,64}$/
export const prefixProblem = (prefix: string): string | undefined =>
  SAFE_PREFIX.test(prefix)
    ? undefined
    : 'must be 1 to 64 letters, digits or : _ . - (it names Redis keys and the Upstash SSE channel URL) ' +
      `(got ${JSON.stringify(prefix)})`

export function resolveOptions(options: ValidationCacheOptions) {
  const issues: { variable: string; message: string }[] = []
  const duration = (name: string, value: Duration | undefined, fallback: Duration, min = 0) => {
    try {
      const ms = toMs(value ?? fallback, name)
      if (ms < min) issues.push({ variable: name, message: `must be at least ${min} ms (got ${ms})` })
      return ms
    } catch (error) {
      issues.push({ variable: name, message: (error as Error).message.replace(`${name} `, '') })
      return 0
    }
  }
  const ttlMs = duration('ttl', options.ttl, '5 m', 1)
  const l1MaxSize = options.l1MaxSize ?? 10_000
  // Checked before the default memory store is built, which would preallocate an oversized bound.
  const badSize = sizeProblem(l1MaxSize)
  if (badSize) issues.push({ variable: 'l1MaxSize', message: badSize })
  const resolved = {
    source: options.source,
    store: options.store ?? memoryStore({ maxSize: badSize ? undefined : l1MaxSize }),
    ttlMs,
    negativeTtlMs: duration('negativeTtl', options.negativeTtl, '1 m', 1),
    graceMs: duration('grace', options.grace, '10 m'),
    l1TtlMs: options.l1Ttl === undefined ? ttlMs : duration('l1Ttl', options.l1Ttl, ttlMs, 1),
    l1TtlUnlistenedMs:
      options.l1Ttl === undefined ? Math.min(ttlMs, UNLISTENED_L1_TTL_MS) : duration('l1Ttl', options.l1Ttl, ttlMs, 1),
    l1MaxSize,
    prefix: options.prefix ?? 'dvc:',
    storeTimeoutMs: duration('storeTimeout', options.storeTimeout, 250, 1),
    sourceTimeoutMs: duration('sourceTimeout', options.sourceTimeout, '2 s', 1),
    requireUuid: options.requireUuid ?? true,
    enabled: options.enabled ?? true,
    subscribe: options.subscribe ?? true,
    listen: (options.listen ?? true) && typeof options.source?.listen === 'function',
    /** The user store's time (its clock as lookups read it; this process's where it tells none). */
    now: options.source?.clock ? () => options.source.clock!.now() : () => Date.now(),
    listenHeartbeatMs: duration('listenHeartbeat', options.listenHeartbeat, '5 s', 10),
    instanceId: options.instanceId ?? crypto.randomUUID().slice(0, 8),
    onEvent: options.onEvent,
    secret: options.secret ?? '',
  }
  if (!options.source || typeof options.source.fetchUser !== 'function')
    issues.push({ variable: 'source', message: 'must be a UserSource (fetchUser, setSessionsRevokedAt)' })
  const badPrefix = prefixProblem(resolved.prefix)
  if (badPrefix) issues.push({ variable: 'prefix', message: badPrefix })
  if (resolved.store.backend === 'memory' && !options.secret) {
    resolved.secret = processSecretFor(resolved.store)
  } else if (resolved.secret.length < 16) {
    issues.push({
      variable: 'secret',
      message:
        'must be at least 16 characters and the same on every instance ' +
        '(signs shared entries; VALIDATION_CACHE_SECRET or NEXTAUTH_SECRET)',
    })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  // Outlasts all a holder does (one source query, a few store calls), so only the holder or expiry frees it.
  const lockTtlMs = resolved.sourceTimeoutMs + 3 * resolved.storeTimeoutMs + 1_000
  // The change-log proof (fleet/sync.ts): while listening, broadcasts do the fast work and the log
  // is read about once a second while busy; without a subscription (none asked for, none confirmed,
  // or dropped) the log is the fast path too, read every ~250 ms while busy.
  const window = (ms: number, renewAt: number) => ({
    windowMs: Math.min(ms, resolved.l1TtlUnlistenedMs),
    renewAfterMs: Math.round(Math.min(ms, resolved.l1TtlUnlistenedMs) * renewAt),
  })
  // Refresh-ahead (fleet/shared-lookup.ts): an entry this close to going stale is refreshed by the
  // first reader, behind its answer; L1 copies end up to this much early, at random, so one instance
  // of the fleet gets there first. Two queries for a user are never closer than TTL minus this.
  const refreshAheadMs = Math.round(Math.min(resolved.ttlMs, resolved.negativeTtlMs, 300_000) * 0.1)
  return { ...resolved, lockTtlMs, refreshAheadMs, proof: { listening: window(1_000, 0.8), deaf: window(500, 0.5) } }
}

const UNLISTENED_L1_TTL_MS = 1_000

// Nothing stored in a memory store leaves the process, so a random key is as good as any; but
// engines sharing one store must share its key, or they reject each other's entries and broadcasts.
const memorySecrets = new WeakMap<Store, string>()
function processSecretFor(store: Store): string {
  let secret = memorySecrets.get(store)
  if (!secret) memorySecrets.set(store, (secret = randomToken()))
  return secret
}
