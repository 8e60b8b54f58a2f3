export { validationProxy, type ValidationProxyOptions } from './validation-proxy.js'
export { clearSessionCookies } from './session-cookies.js'
export { webhookHandler, bearerMatches } from './webhook-handler.js'
export { observabilityHandler, metricsHandler, healthHandler, type ObservabilityContext } from './observability-handlers.js'
