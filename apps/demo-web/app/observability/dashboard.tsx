'use client'

import { useEffect, useState } from 'react'
import type { ObservabilityReport } from 'distributed-validation-cache'
import { HorizontalBars, StackedBars } from '../components/charts'

/** Polls /api/observability (this admin's session authorizes it) and draws the fleet's numbers. */
export function Dashboard() {
  const [report, setReport] = useState<ObservabilityReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let stopped = false
    const load = async () => {
      const response = await fetch('/api/observability', { cache: 'no-store' })
      if (stopped) return
      if (response.ok) {
        setReport((await response.json()) as ObservabilityReport)
        setError(null)
      } else setError(`observability answered ${response.status}`)
    }
    void load()
    const timer = setInterval(() => void load(), 5_000)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [])
  if (error) return <p role="alert">{error}</p>
  if (!report) return <p>Loading…</p>
  const { validations: v, users, costs } = report.authentication
  const verdicts = [
    {
      label: 'active',
      value: Math.max(
        0,
        v.total -
          users.bannedDetected -
          users.deletedDetected -
          users.missingDetected -
          users.revokedDetected -
          v.unavailable,
      ),
      color: '#2e7d32',
    },
    { label: 'banned', value: users.bannedDetected, color: '#c62828' },
    { label: 'deleted', value: users.deletedDetected, color: '#6a1b9a' },
    { label: 'revoked', value: users.revokedDetected, color: '#ef6c00' },
    { label: 'missing', value: users.missingDetected, color: '#757575' },
    { label: 'unavailable', value: v.unavailable, color: '#f9a825' },
  ]
  return (
    <div data-testid="dashboard">
      <section style={{ display: 'flex', gap: '2rem', flexWrap: 'wrap' }}>
        <Stat
          label="Hit rate"
          value={`${v.cacheHitRate}%`}
          note={report.authentication.performance.cacheEffectiveness}
        />
        <Stat
          label="Saved"
          value={`$${costs.savings}`}
          note={`${costs.savingsPercentage}% of $${costs.costWithoutCache}`}
        />
        <Stat label="Active users (24 h)" value={String(users.activeCount)} />
        <Stat
          label="Backend"
          value={report.validationCache.backend}
          note={`${report.scope} · ${report.instances.seen} instance(s) · breaker ${report.cache.breaker}`}
        />
      </section>
      <h2>Validations per hour (hits / misses)</h2>
      <StackedBars
        title="Cache hits and misses per hour"
        data={report.series.map((s) => ({ label: s.hour, parts: [s.hits, s.validations - s.hits] }))}
        colors={['#2e7d32', '#bdbdbd']}
      />
      <h2>Verdicts</h2>
      <HorizontalBars title="Verdicts" rows={verdicts} />
      <h2>User-source queries</h2>
      <HorizontalBars
        title="User source queries, with and without the cache"
        rows={[
          { label: 'with the cache', value: v.databaseQueries, color: '#1565c0' },
          { label: 'without it', value: v.total, color: '#90a4ae' },
        ]}
      />
      <p style={{ color: '#666' }}>
        Updated {new Date(report.generatedAt).toLocaleTimeString('en-GB')} · refreshes every 5 s
      </p>
    </div>
  )
}

function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div>
      <div style={{ color: '#666', fontSize: 12 }}>{label}</div>
      <div style={{ fontSize: 28, fontWeight: 600 }}>{value}</div>
      {note && <div style={{ color: '#666', fontSize: 12 }}>{note}</div>}
    </div>
  )
}
