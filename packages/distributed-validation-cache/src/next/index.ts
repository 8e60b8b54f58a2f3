export { validationProxy, type ValidationProxyOptions } from './validation-proxy.js'
export { VERDICT_HEADER } from './verdict-header.js'
export {
  validatedSession,
  readSessionToken,
  type ValidatedSession,
  type ValidatedSessionOptions,
  type SessionReadOptions,
} from './validated-session.js'
export { clearSessionCookies, sessionCookieName, type SessionCookieOptions } from './session-cookies.js'
export { nextAuthRoute } from './auth-route.js'
export { webhookHandler, type WebhookOptions } from './webhook-handler.js'
export { bearerMatches } from './bearer.js'
export { observabilityHandler, healthHandler, type ObservabilityContext } from './observability-handlers.js'
export { refusedAsCrossSite } from './request-provenance.js'
export type { Lazy } from './lazy.js'
