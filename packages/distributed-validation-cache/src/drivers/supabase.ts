/**
 * `distributed-validation-cache/supabase`: Supabase Auth as the user source, its admin API, its
 * password sign-in. Needs `@supabase/supabase-js`; runs on Node and on the Edge runtime.
 */
export { supabaseSource, type SupabaseSourceOptions } from '../sources/supabase.js'
export { supabaseUserAdmin } from '../admin/user-admin.js'
export { authorizeWithSupabase } from '../sources/supabase-sign-in.js'
export type { SignedInUser } from '../sources/signed-in-user.js'
