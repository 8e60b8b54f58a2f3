/**
 * `distributed-validation-cache/postgres`: a Postgres `auth.users` as the user source, and its
 * password sign-in. Needs `postgres` (and `bcryptjs` to sign in).
 */
export { postgresSource, postgresRunner, type PostgresSourceOptions } from '../sources/postgres.js'
export { authorizeWithPostgres } from '../sources/postgres-sign-in.js'
export type { SignedInUser } from '../sources/signed-in-user.js'
