import type { ValidationCache } from '../cache.js'
import type { FleetMetrics } from '../observability/fleet-metrics.js'
import { observabilityReport, type Prices } from '../observability/report.js'
import { bearerMatches } from './bearer.js'
import { atRequestTime, type Lazy, resolveLazy } from './lazy.js'

export interface ObservabilityContext {
  cache: ValidationCache
  metrics: FleetMetrics
  /** OBSERVABILITY_TOKEN; without it only admins (isAdmin) get in. */
  token: string | undefined
  /** Whether the request carries an admin session. */
  isAdmin: (request: Request) => Promise<boolean>
  startedAt: number
  prices?: Prices
}

export async function allowed(request: Request, context: ObservabilityContext): Promise<boolean> {
  if (context.token && (await bearerMatches(request.headers.get('authorization'), context.token))) return true
  return context.isAdmin(request)
}

export const unauthorized = () =>
  Response.json(
    { error: 'unauthorized', reason: 'send Authorization: Bearer $OBSERVABILITY_TOKEN, or sign in as an admin' },
    { status: 401 },
  )

export async function report(context: ObservabilityContext) {
  await context.metrics.flush() // include this instance's latest counts
  return observabilityReport({
    cache: context.cache,
    fleet: await context.metrics.read(),
    startedAt: context.startedAt,
    lastLoginAt: context.metrics.lastLoginAt,
    prices: context.prices,
  })
}

/** GET /api/observability: the fleet's report as JSON. */
export function observabilityHandler(observability: Lazy<ObservabilityContext>) {
  return async (request: Request): Promise<Response> => {
    await atRequestTime()
    const context = await resolveLazy(observability)
    if (!(await allowed(request, context))) return unauthorized()
    return Response.json(await report(context), { headers: { 'cache-control': 'no-store' } })
  }
}

/** GET /api/health: 200 while the cache or the user source answers, 503 when neither does. */
export function healthHandler(health: Lazy<{ cache: ValidationCache; source: string }>) {
  return async (): Promise<Response> => {
    await atRequestTime() // a health check is never prerendered
    const context = await resolveLazy(health)
    const probe = await context.cache.probe()
    const status =
      probe.cache === 'ok' && probe.source === 'ok'
        ? 'ok'
        : probe.cache === 'down' && probe.source === 'down'
          ? 'down'
          : 'degraded'
    const { backend, listening, liveness } = context.cache.stats()
    const body = { status, backend, source: context.source, checks: probe, listening, liveness }
    return Response.json(body, { status: status === 'down' ? 503 : 200, headers: { 'cache-control': 'no-store' } })
  }
}
