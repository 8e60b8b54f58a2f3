import type { ValidationCache } from '../cache.js'
import type { FleetTotals } from './fleet-metrics.js'

export interface Prices {
  /** What one user-source query costs, in dollars per 1,000. Default 0.01 (seed 002's figure). */
  sourceQueryPer1000: number
  /**
   * What one cache command costs, in dollars per 100,000. Upstash: 0.20 (its pay-as-you-go price);
   * self-hosted Redis and memory: 0.
   */
  cacheCommandPer100k: number
}

export const defaultPrices = (backend: string): Prices => ({
  sourceQueryPer1000: 0.01,
  cacheCommandPer100k: backend === 'upstash' ? 0.2 : 0,
})

/** Configured prices where set (VALIDATION_COST_*), the documented defaults elsewhere. */
export function pricesFor(
  backend: string,
  overrides: { sourceQueryPer1000?: number; cacheCommandPer100k?: number } = {},
): Prices {
  const defaults = defaultPrices(backend)
  return {
    sourceQueryPer1000: overrides.sourceQueryPer1000 ?? defaults.sourceQueryPer1000,
    cacheCommandPer100k: overrides.cacheCommandPer100k ?? defaults.cacheCommandPer100k,
  }
}

const money = (n: number) => n.toFixed(4)
const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100)

/**
 * `/api/observability`: seed 002's shape (authentication.{uptime,logins,validations,users,costs,
 * performance}, validationCache.{size,maxSize,ttlMs,backend}) plus what it lacked: scope,
 * instances, the L1/L2 split, stale/unavailable/tampered, store queries and cache commands, a
 * cost model with both sides, and the hourly series. Counts only: no user id, email or secret.
 */
export function observabilityReport(input: {
  cache: ValidationCache
  fleet: FleetTotals
  startedAt: number
  lastLoginAt: number | null
  prices?: Prices
  now?: number
}) {
  const { cache, fleet } = input
  const now = input.now ?? Date.now()
  const stats = cache.stats()
  const t = (key: string) => fleet.totals[key] ?? 0
  const validations = t('validations.total')
  const hits = t('validations.byTier.l1') + t('validations.byTier.l2')
  const queries = t('source.queries')
  const commands = t('store.commands')
  const metricsCommands = t('metrics.commands')
  const hitRate = percent(hits, validations)
  const timed = t('validations.timedCount')
  const averageTimeMs = timed === 0 ? 0 : Math.round(t('validations.timedDurationUs') / timed) / 1_000
  const hoursCovered = Math.max(1, fleet.hours.filter((h) => Object.keys(h.counters).length > 0).length)
  const prices = input.prices ?? defaultPrices(stats.backend)
  const perQuery = prices.sourceQueryPer1000 / 1_000
  const withoutCache = validations * perQuery
  const storeCost = queries * perQuery
  const cacheCost = (commands + metricsCommands) * (prices.cacheCommandPer100k / 100_000)
  const savings = withoutCache - storeCost - cacheCost
  return {
    scope: stats.backend === 'memory' ? 'instance' : 'fleet',
    generatedAt: new Date(now).toISOString(),
    instances: { seen: fleet.instances, reporting: stats.instanceId },
    authentication: {
      // Uptime and the last login are the answering instance's; everything else is the fleet's.
      uptime: {
        milliseconds: now - input.startedAt,
        hours: Math.round(((now - input.startedAt) / 3_600_000) * 100) / 100,
        startTime: new Date(input.startedAt).toISOString(),
      },
      logins: {
        total: t('logins'),
        last24Hours: Object.fromEntries(fleet.hours.map((h) => [h.hour, h.counters.logins ?? 0])),
        lastLoginTimestamp: input.lastLoginAt === null ? null : new Date(input.lastLoginAt).toISOString(),
        averagePerHour: Math.round((t('logins') / hoursCovered) * 100) / 100,
      },
      validations: {
        total: validations,
        cacheHits: hits,
        cacheMisses: validations - hits,
        cacheHitRate: hitRate,
        byTier: {
          l1: t('validations.byTier.l1'),
          l2: t('validations.byTier.l2'),
          source: t('validations.byTier.source'),
          stale: t('validations.byTier.stale'),
          none: t('validations.byTier.none'),
        },
        databaseQueries: queries,
        failures: t('source.errors') + t('source.timeouts'),
        stale: t('validations.byTier.stale'),
        unavailable: t('validations.byVerdict.unavailable'),
        averageTimeMs,
        averagePerHour: Math.round((validations / hoursCovered) * 100) / 100,
      },
      users: {
        activeCount: fleet.activeUsers,
        bannedDetected: t('validations.byVerdict.banned'),
        deletedDetected: t('validations.byVerdict.deleted'),
        revokedDetected: t('validations.byVerdict.revoked'),
        missingDetected: t('validations.byVerdict.missing'),
      },
      costs: {
        estimatedDatabaseCost: money(storeCost),
        costWithoutCache: money(withoutCache),
        cacheCommandCost: money(cacheCost),
        savings: money(savings),
        savingsPercentage: percent(savings, withoutCache).toFixed(2),
        queriesPerHour: Math.round(queries / hoursCovered),
        prices: {
          ...prices,
          source:
            'store queries: seed 002 ($0.01 per 1,000); ' +
            'cache commands: Upstash pay-as-you-go ($0.20 per 100,000), 0 for self-hosted Redis',
        },
      },
      performance: {
        cacheEffectiveness:
          validations === 0
            ? 'No data yet'
            : hitRate >= 95
              ? 'Excellent'
              : hitRate >= 90
                ? 'Good'
                : 'Needs attention (target > 95%)',
        recommendedCacheTTL:
          queries / hoursCovered > 500
            ? 'Consider a longer TTL: more than 500 store queries per hour'
            : 'Current TTL is optimal',
        avgValidationTime: averageTimeMs < 10 ? 'Excellent' : averageTimeMs <= 50 ? 'Good' : 'Slow (alert above 50 ms)',
      },
    },
    validationCache: { size: stats.l1.size, maxSize: stats.l1.maxSize, ttlMs: stats.ttlMs, backend: stats.backend },
    cache: {
      commands,
      metricsCommands,
      errors: t('store.errors'),
      timeouts: t('store.timeouts'),
      shortCircuited: t('store.shortCircuited'),
      breaker: stats.breaker,
      listening: stats.listening,
      // This instance's proof that it knows every change (issue 10), and the fleet's change-log counts.
      liveness: stats.liveness,
      fleetLog: {
        reads: t('fleetLog.reads'),
        dropped: t('fleetLog.dropped'),
        overflows: t('fleetLog.overflows'),
        deafSubscriptions: t('fleetLog.deafSubscriptions'),
        olderRefused: t('fleetLog.olderRefused'),
        interruptions: t('subscription.interruptions'),
        deafPeriods: t('fleetLog.deafPeriods'),
        deafMs: t('fleetLog.deafMs'),
        replaced: t('fleetLog.replaced'),
      },
      tampered: { badSignature: t('tampered.badSignature'), corrupt: t('tampered.corrupt') },
      revocations: {
        revoke: t('revocations.revoke'),
        restore: t('revocations.restore'),
        refresh: t('revocations.refresh'),
        pending: t('revocations.pending'),
      },
    },
    series: fleet.hours.map((h) => ({
      hour: h.hour,
      validations: h.counters['validations.total'] ?? 0,
      hits: (h.counters['validations.byTier.l1'] ?? 0) + (h.counters['validations.byTier.l2'] ?? 0),
      sourceQueries: h.counters['source.queries'] ?? 0,
      logins: h.counters.logins ?? 0,
    })),
  }
}

export type ObservabilityReport = ReturnType<typeof observabilityReport>
