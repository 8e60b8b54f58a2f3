import { NextResponse } from 'next/server'

/** The user source is unreachable: the session is kept (its cookie too), but not served until it answers. */
export function unavailableResponse(api: boolean, reason: string): NextResponse {
  const headers = { 'retry-after': '5' }
  return api
    ? NextResponse.json({ error: 'unavailable', reason }, { status: 503, headers })
    : new NextResponse('The user source is unreachable; please retry in a few seconds.', { status: 503, headers })
}
