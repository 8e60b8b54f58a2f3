/**
 * Everything of `/next` that runs on the Edge runtime as well as on Node: what an Edge
 * `middleware.ts` resolves `/next` to (the `edge-light` condition). Not nextAuthRoute, which
 * loads next-auth's whole handler (Node only, and flagged for dynamic code evaluation).
 */
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
export { webhookHandler, type WebhookOptions } from './webhook-handler.js'
export { bearerMatches } from './bearer.js'
export { observabilityHandler, healthHandler, type ObservabilityContext } from './observability-handlers.js'
export { refusedAsCrossSite } from './request-provenance.js'
export type { Lazy } from './lazy.js'
