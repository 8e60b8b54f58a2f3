/**
 * `distributed-validation-cache/setup`: the `auth.users` schema for a plain Postgres, the change
 * trigger for any (Supabase's included), and the demo users (seed data, not a source). Needs
 * `bcryptjs` for the demo users.
 */
export { migrateAuthSchema, ForeignSchemaError } from '../setup/auth-schema.js'
export { seedDemoUsers, DEMO_USERS, type DemoUser } from '../setup/demo-users.js'
export {
  installTriggers,
  uninstallTriggers,
  triggerStatus,
  configureWebhook,
  installTriggersSql,
  userChangeChannel,
  TRIGGER_VERSION,
  type TriggerStatus,
} from '../setup/triggers.js'
