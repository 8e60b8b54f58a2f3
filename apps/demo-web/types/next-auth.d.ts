// The demo's session in next-auth's own types (no casts in the app): the package adds user.id;
// the demo adds the role the user source gave at sign-in, for display.
import 'distributed-validation-cache/next-auth'
import 'next-auth/jwt'

declare module 'next-auth' {
  interface User {
    role?: string | null
  }
  interface SessionUser {
    role?: string | null
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    role?: string | null
  }
}
