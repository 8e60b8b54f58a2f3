/** `distributed-validation-cache/authjs`: Auth.js v5 (`next-auth@beta`, `@auth/core`) callbacks. */
export { withAuthjsValidation } from '../next-auth/with-authjs-validation.js'
export { SessionInvalidError, SIGNED_IN_AT } from '../next-auth/session-check.js'
export { authjsProxy, type AuthjsProxyOptions } from '../next/authjs-proxy.js'
