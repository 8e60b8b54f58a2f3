import NextAuth from 'next-auth'
import { runtime } from '@/lib/runtime'

async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  const { authOptions } = await runtime()
  return NextAuth(request as never, context as never, authOptions)
}

export { handler as GET, handler as POST }
