export { withValidation } from './with-validation.js'
export { withAuthjsValidation } from './with-authjs-validation.js'
export {
  checkSession,
  claimOf,
  sessionEnding,
  signInRefusal,
  type SessionClaim,
  SessionInvalidError,
  SIGNED_IN_AT,
  type TokenLike,
} from './session-check.js'
export { sessionPage, type SessionPageOptions } from './session-page.js'
