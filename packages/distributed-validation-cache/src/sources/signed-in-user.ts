/** Who a Credentials `authorize` signed in: what the session carries. */
export interface SignedInUser {
  id: string
  email: string
  /** raw_app_meta_data.role: Supabase's place for roles users cannot edit. */
  role: string | null
}

/** What next-auth hands a Credentials `authorize`: the login form's fields. */
export type Credentials = Record<string, string> | undefined

