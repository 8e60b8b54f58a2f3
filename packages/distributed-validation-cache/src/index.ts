/**
 * The core: the engine, the in-process store, config, errors and types — no client of any
 * backend. Drivers live on subpaths (`/redis`, `/upstash`, `/supabase`, `/postgres`, `/pglite`,
 * `/setup`, `/prometheus`, `/env`) and integrations on theirs (`/next`, `/next-auth`, `/authjs`).
 */
export { createValidationCache, ValidationCache, type PropagationResult, type ValidationResult } from './cache.js'
export type { ValidationCacheOptions } from './options.js'
export {
  fromEnv,
  describe,
  signingSecret,
  type Config,
  type CacheBackend,
  type UserSourceConfig,
} from './config/config.js'
export { sqlSource, type SqlRunner } from './sources/sql-source.js'
export {
  hasMetrics,
  type LogEntry,
  type MetricsRecord,
  type MetricsStore,
  type Store,
  type Subscription,
  type SubscriptionHandlers,
} from './stores/store.js'
export { memoryStore, type MemoryStoreOptions } from './stores/memory.js'
export { parseRedisUrl, redactUrl, type RedisConnection } from './stores/redis-url.js'
export type { UserSource } from './sources/user-source.js'
export type { UserState, Verdict } from './user-state.js'
export type { CacheEvent, EventListener, Tier } from './events.js'
export type { CountersSnapshot } from './observability/counters.js'
export type { SignedInUser } from './sources/signed-in-user.js'
export { parseDuration, type Duration } from './config/duration.js'
export {
  ValidationCacheError,
  InvalidUserIdError,
  ConfigError,
  StoreUnavailableError,
  RevocationError,
  UserNotFoundError,
  MissingDriverError,
} from './errors.js'
export { sqlUserAdmin, UnsupportedAdminActionError, type UserAdmin, type AdminUserView } from './admin/user-admin.js'
export { runAdminAction, ADMIN_ACTIONS, ROLE, type AdminAction, type AdminOutcome } from './admin/admin-actions.js'
export { assertUserId, canonicalUserId } from './user-id.js'
export { FleetMetrics, type FleetMetricsOptions, type FleetTotals } from './observability/fleet-metrics.js'
export {
  observabilityReport,
  defaultPrices,
  pricesFor,
  type ObservabilityReport,
  type Prices,
} from './observability/report.js'
