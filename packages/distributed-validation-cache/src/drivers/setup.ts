/**
 * `distributed-validation-cache/setup`: the `auth.users` schema for a plain Postgres, and the demo
 * users (seed data, not a source). Needs `bcryptjs` for the demo users.
 */
export { migrateAuthSchema, ForeignSchemaError } from '../setup/auth-schema.js'
export { seedDemoUsers, DEMO_USERS, type DemoUser } from '../setup/demo-users.js'
