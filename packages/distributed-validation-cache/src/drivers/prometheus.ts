/**
 * `distributed-validation-cache/prometheus`: the counters in Prometheus text format, and the
 * `/api/metrics` route handler. Needs `prom-client`.
 */
export { prometheusText, PROMETHEUS_CONTENT_TYPE } from '../observability/prometheus.js'
export { metricsHandler } from '../next/metrics-handler.js'
