import { getToken } from 'next-auth/jwt'
import type { NextRequest } from 'next/server'
import { VERDICT_HEADER } from 'distributed-validation-cache/next'
import { checkSession } from 'distributed-validation-cache/next-auth'
import { runtime } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

/** Who am I, by the cache's verdict. The proxy enforces it first; this checks again on its own. */
export async function GET(request: NextRequest) {
  const rt = await runtime()
  const token = await getToken({ req: request, secret: rt.secret })
  if (!token?.sub) return Response.json({ error: 'unauthenticated' }, { status: 401 })
  // Behind the proxy (which sets the header), its verdict stands; elsewhere, check here.
  const forwarded = request.headers.get(VERDICT_HEADER)
  const result = forwarded === 'active' ? { verdict: 'active', valid: true, reason: '' } : await checkSession(rt.cache, token)
  if (!result) return Response.json({ error: 'unauthenticated' }, { status: 401 })
  if (result.verdict === 'unavailable') return Response.json({ error: 'unavailable', reason: result.reason }, { status: 503 })
  if (!result.valid) return Response.json({ error: 'session_invalid', reason: result.verdict }, { status: 401 })
  return Response.json({ user: { id: token.sub, email: token.email ?? null }, verdict: result.verdict, instance: rt.instance })
}
