import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createValidationCache } from '../cache.js'
import { observabilityReport } from './report.js'
import { prometheusText } from './prometheus.js'
import type { FleetTotals } from './fleet-metrics.js'

/** `name{labels} value` lines, keyed by name and labels as Prometheus prints them; and each name's TYPE. */
function parse(text: string) {
  const samples = new Map<string, number>()
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    if (!line || line.startsWith('#')) continue
    const sample = /^([a-z_][a-z0-9_]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    expect(sample, `a well-formed sample line: ${line}`).not.toBeNull()
    samples.set(sample![1]!, Number(sample![2]))
  }
  return { samples, types }
}

describe('prometheusText', () => {
  it("prints this instance's counters as counters and the fleet's 24 h totals as gauges, with their values", async () => {
    const banned = randomUUID()
    const source = {
      name: 'x',
      fetchUser: async (id: string) => ({
        exists: true,
        deleted: false,
        bannedUntil: id === banned ? Date.now() + 60_000 : null,
        sessionsRevokedAt: null,
      }),
      setSessionsRevokedAt: async () => undefined,
    }
    const cache = createValidationCache({ source, secret: 'prometheus-test-secret-1' })
    const active = randomUUID()
    await cache.validate(active) // source
    await cache.validate(active) // l1
    await cache.validate(banned) // source, banned
    const fleet: FleetTotals = {
      hours: [],
      totals: { 'validations.total': 40, 'validations.byTier.l1': 30, 'validations.byTier.l2': 6, 'source.queries': 4 },
      activeUsers: 7,
      instances: 2,
    }
    const text = await prometheusText(
      cache,
      observabilityReport({ cache, fleet, startedAt: Date.now(), lastLoginAt: null }),
    )
    const { samples, types } = parse(text)

    expect(samples.get('dvc_validations_total{tier="source"}')).toBe(2)
    expect(samples.get('dvc_validations_total{tier="l1"}')).toBe(1)
    expect(samples.get('dvc_verdicts_total{verdict="active"}')).toBe(2)
    expect(samples.get('dvc_verdicts_total{verdict="banned"}')).toBe(1)
    expect(samples.get('dvc_source_queries_total{outcome="found"}')).toBe(2)
    expect(samples.get('dvc_listening')).toBe(1)
    expect(samples.get('dvc_user_store_listening')).toBe(-1) // a source that cannot tell: not listened for
    expect(samples.get('dvc_user_store_events_total{event="notification"}')).toBe(0)
    expect(samples.get('dvc_user_store_clock_offset_seconds')).toBe(0)
    expect(samples.get('dvc_liveness_proven')).toBe(1)
    expect(samples.get('dvc_fleet_log_total{event="deaf_period"}')).toBe(0)
    expect(samples.get('dvc_fleet_validations_24h')).toBe(40)
    expect(samples.get('dvc_fleet_cache_hit_ratio_24h')).toBeCloseTo(0.9)
    expect(samples.get('dvc_fleet_store_queries_24h')).toBe(4)
    expect(samples.get('dvc_fleet_active_users_24h')).toBe(7)
    for (const [name, type] of types) expect(type, name).toBe(name.endsWith('_total') ? 'counter' : 'gauge')
    // Counts only: no user id ever reaches a label.
    expect(text).not.toContain(active)
    expect(text).not.toContain(banned)
  })
})
