import { prometheusText, PROMETHEUS_CONTENT_TYPE } from '../observability/prometheus.js'
import { atRequestTime, type Lazy, resolveLazy } from './lazy.js'
import { allowed, report, unauthorized, type ObservabilityContext } from './observability-handlers.js'

/** GET /api/metrics: the counters of observabilityHandler in Prometheus text format (needs prom-client). */
export function metricsHandler(observability: Lazy<ObservabilityContext>) {
  return async (request: Request): Promise<Response> => {
    await atRequestTime()
    const context = await resolveLazy(observability)
    if (!(await allowed(request, context))) return unauthorized()
    const text = await prometheusText(context.cache, await report(context))
    return new Response(text, { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } })
  }
}
