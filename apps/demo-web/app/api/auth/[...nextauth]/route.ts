import { nextAuthRoute } from 'distributed-validation-cache/next'
import { runtime } from '@/lib/runtime'

// next-auth v4 through the package's handler: a bad callbackUrl is a 400, not a 500.
const handler = nextAuthRoute(async () => (await runtime()).authOptions)

export { handler as GET, handler as POST }
