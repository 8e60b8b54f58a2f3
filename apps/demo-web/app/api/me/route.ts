import type { NextRequest } from 'next/server'
import { validatedSession } from 'distributed-validation-cache/next'
import { runtime } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

/**
 * Who am I, by the cache's verdict: the proxy's, when it was sealed for this very session token,
 * otherwise validated here (a route outside the proxy's matcher is checked all the same).
 */
export async function GET(request: NextRequest) {
  const rt = await runtime()
  const session = await validatedSession(request, rt.cache, { secret: rt.secret })
  if (!session) return Response.json({ error: 'unauthenticated' }, { status: 401 })
  const { token, result } = session
  if (result.verdict === 'unavailable')
    return Response.json({ error: 'unavailable', reason: result.reason }, { status: 503 })
  if (!result.valid) return Response.json({ error: 'session_invalid', reason: result.verdict }, { status: 401 })
  return Response.json({
    user: { id: token.sub, email: token.email ?? null },
    verdict: result.verdict,
    instance: rt.instance,
  })
}
