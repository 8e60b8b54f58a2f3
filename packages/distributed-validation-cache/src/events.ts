import type { BreakerState } from './circuit-breaker.js'
import type { Verdict } from './user-state.js'

/** Where a validation's answer came from. `stale`: last known state served within grace. */
export type Tier = 'l1' | 'l2' | 'source' | 'stale' | 'none'

export type StoreOperation =
  | 'get'
  | 'set'
  | 'delete'
  | 'publish'
  | 'log'
  | 'read-log'
  | 'ping'
  | 'read-or-lock'
  | 'fill'
  | 'beat'

/**
 * Everything the cache reports, as one typed union: counters, logs and metrics exporters are
 * all just listeners. Events never carry a user id, so a listener cannot leak one.
 */
export type CacheEvent =
  /** `durationMs` is absent on L1 hits: they take well under a microsecond and timing them would double that. */
  | { type: 'validation'; verdict: Verdict; tier: Tier; durationMs?: number }
  | { type: 'source-query'; outcome: 'found' | 'not-found' | 'error' | 'timeout'; durationMs: number }
  | { type: 'subscription'; listening: boolean }
  | { type: 'store-command'; operation: StoreOperation }
  | { type: 'store-error'; operation: StoreOperation; reason: 'timeout' | 'error' | 'circuit-open' }
  | { type: 'breaker'; target: 'store' | 'source'; state: BreakerState }
  | { type: 'tampered'; reason: 'bad-signature' | 'corrupt' }
  /** `lost`: a fill found its lock gone or another's and wrote nothing (stores/scripts.ts FILL). */
  | { type: 'lock'; outcome: 'acquired' | 'waited-for-fill' | 'took-over' | 'lost' }
  | { type: 'revocation'; action: 'revoke' | 'restore' | 'refresh'; cache: 'updated' | 'pending' }
  | { type: 'broadcast-received'; valid: boolean }
  /** A state older than one this process has seen of that user was refused (a replay, a late write). */
  | { type: 'older-state'; from: 'l2' | 'fill' }
  /** The change log was read: `dropped` users left L1 (changes this process had not heard of). */
  | { type: 'log-read'; dropped: number; overflow: boolean }
  /**
   * The change log could take no more appends (someone SET its key, or wrote the last possible id
   * or one from the future) and was replaced: deleted, the entry appended to a new one.
   */
  | { type: 'log-replaced' }
  /**
   * The log showed a change the subscription never delivered, or it left a PING unanswered: its
   * connection was replaced.
   */
  | { type: 'deaf-subscription' }
  /** The change log was read again after reads had failed for `durationMs`: a deaf period ended. */
  | { type: 'deaf-period'; durationMs: number }
  /** The user store's trigger said a user changed (`valid`: the payload was a user id). */
  | { type: 'user-store-notification'; valid: boolean }
  /** The user store's listening connection came up, was lost, or left a heartbeat unanswered (deaf). */
  | { type: 'user-store-listener'; state: 'listening' | 'lost' | 'deaf' }

export type EventListener = (event: CacheEvent) => void
