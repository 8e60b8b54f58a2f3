import { Counter, Gauge, Registry } from 'prom-client'
import type { ValidationCache } from '../cache.js'
import type { ObservabilityReport } from './report.js'

/**
 * `/api/metrics` in Prometheus text format. This instance's counters are counters (Prometheus
 * adds the `instance` label when it scrapes each one); the fleet's last-24-hour totals from
 * the shared store are gauges, for dashboards that scrape a single instance.
 */
export async function prometheusText(cache: ValidationCache, report: ObservabilityReport): Promise<string> {
  const registry = new Registry()
  const stats = cache.stats()
  const counter = (name: string, help: string, labelNames: string[], values: [Record<string, string>, number][]) => {
    const metric = new Counter({ name, help, labelNames, registers: [registry] })
    for (const [labels, value] of values) metric.inc(labels, value)
  }
  const gauge = (name: string, help: string, value: number) =>
    new Gauge({ name, help, registers: [registry] }).set(value)
  counter(
    'dvc_validations_total',
    'Validations by the tier that answered them.',
    ['tier'],
    Object.entries(stats.validations.byTier).map(([tier, n]) => [{ tier }, n]),
  )
  counter(
    'dvc_verdicts_total',
    'Validations by verdict.',
    ['verdict'],
    Object.entries(stats.validations.byVerdict).map(([verdict, n]) => [{ verdict }, n]),
  )
  counter(
    'dvc_source_queries_total',
    'User-source queries by outcome.',
    ['outcome'],
    [
      [{ outcome: 'found' }, stats.source.found],
      [{ outcome: 'not_found' }, stats.source.notFound],
      [{ outcome: 'error' }, stats.source.errors],
      [{ outcome: 'timeout' }, stats.source.timeouts],
    ],
  )
  counter('dvc_cache_commands_total', 'Commands sent to the shared store.', [], [[{}, stats.store.commands]])
  counter(
    'dvc_cache_errors_total',
    'Shared-store failures by kind.',
    ['kind'],
    [
      [{ kind: 'error' }, stats.store.errors],
      [{ kind: 'timeout' }, stats.store.timeouts],
      [{ kind: 'short_circuited' }, stats.store.shortCircuited],
    ],
  )
  counter(
    'dvc_tampered_entries_total',
    'Shared entries rejected.',
    ['reason'],
    [
      [{ reason: 'bad_signature' }, stats.tampered.badSignature],
      [{ reason: 'corrupt' }, stats.tampered.corrupt],
    ],
  )
  counter(
    'dvc_revocations_total',
    'Revocations, restores and refreshes.',
    ['action'],
    Object.entries(stats.revocations)
      .filter(([k]) => k !== 'pending')
      .map(([action, n]) => [{ action }, n]),
  )
  gauge('dvc_breaker_open', '1 while the shared-store circuit breaker is open.', stats.breaker === 'closed' ? 0 : 1)
  gauge('dvc_listening', '1 while this instance hears fleet broadcasts.', stats.listening ? 1 : 0)
  gauge('dvc_l1_entries', "Users in this instance's L1.", stats.l1.size)
  gauge(
    'dvc_user_store_listening',
    "1 while the user store's change notifications are heard (-1: not listened for).",
    stats.userStoreListening === null ? -1 : stats.userStoreListening ? 1 : 0,
  )
  counter(
    'dvc_user_store_events_total',
    "The user store's change notifications, rejected payloads, and its listening connection's drops and deaf spells.",
    ['event'],
    [
      [{ event: 'notification' }, stats.userStore.notifications],
      [{ event: 'rejected' }, stats.userStore.rejected],
      [{ event: 'interruption' }, stats.userStore.interruptions],
      [{ event: 'deaf' }, stats.userStore.deaf],
    ],
  )
  gauge(
    'dvc_user_store_clock_offset_seconds',
    "The user store's clock minus this instance's: bans and revocations are judged on the store's.",
    stats.clock.offsetMs / 1000,
  )
  gauge(
    'dvc_liveness_proven',
    '1 while this instance has read the fleet change log within the proof window.',
    stats.liveness.proven ? 1 : 0,
  )
  gauge(
    'dvc_liveness_proof_age_seconds',
    'Seconds since the last change-log read (-1: never).',
    stats.liveness.proofAgeMs === null ? -1 : stats.liveness.proofAgeMs / 1000,
  )
  const log = stats.fleetLog
  counter(
    'dvc_fleet_log_total',
    'Change-log reads, users dropped, overflows, deaf subscriptions, older states refused, deaf periods, replacements.',
    ['event'],
    [
      [{ event: 'read' }, log.reads],
      [{ event: 'dropped' }, log.dropped],
      [{ event: 'overflow' }, log.overflows],
      [{ event: 'deaf_subscription' }, log.deafSubscriptions],
      [{ event: 'older_refused' }, log.olderRefused],
      [{ event: 'deaf_period' }, log.deafPeriods],
      [{ event: 'replaced' }, log.replaced],
    ],
  )
  counter(
    'dvc_fleet_log_deaf_seconds_total',
    'Seconds this instance could not read the change log (from a failed read to the next success).',
    [],
    [[{}, log.deafMs / 1000]],
  )
  const v = report.authentication.validations
  gauge('dvc_fleet_validations_24h', 'Fleet validations over the last 24 hours.', v.total)
  gauge(
    'dvc_fleet_cache_hit_ratio_24h',
    'Fleet (L1 + L2) / validations over the last 24 hours.',
    v.total === 0 ? 0 : v.cacheHits / v.total,
  )
  gauge('dvc_fleet_store_queries_24h', 'Fleet user-source queries over the last 24 hours.', v.databaseQueries)
  gauge(
    'dvc_fleet_active_users_24h',
    'Distinct users validated over the last 24 hours (HyperLogLog).',
    report.authentication.users.activeCount,
  )
  gauge(
    'dvc_fleet_instances_24h',
    'Instances that served validations or sign-ins over the last 24 hours (an idle one does not report).',
    report.instances.seen,
  )
  return registry.metrics()
}

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE
