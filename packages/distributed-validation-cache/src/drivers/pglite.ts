/**
 * `distributed-validation-cache/pglite`: an embedded PGlite as the user source (demos, tests). Needs
 * `@electric-sql/pglite` (and `bcryptjs` to sign in).
 */
export { pgliteSource, pgliteRunner, openPglite } from '../sources/pglite.js'
export { authorizeWithPostgres } from '../sources/postgres-sign-in.js'
