/**
 * CSRF guard for cookie-authenticated POSTs that change state. Returns why the request is
 * refused, or null to accept it.
 *
 * A browser says where a request came from (Sec-Fetch-Site; Origin on every POST): those that say
 * another site — or a sibling subdomain, which SameSite=Lax cookies do not stop — are refused. A
 * request with neither header did not come from a modern browser; it is accepted only with an
 * `application/json` body, which no cross-site page can send without a CORS preflight (forms and
 * `text/plain` can). So `curl -H 'content-type: application/json'` works, as with Next's Server
 * Actions and Hono's CSRF guard.
 */
export function refusedAsCrossSite(request: Request, publicUrl?: string): string | null {
  const site = request.headers.get('sec-fetch-site')
  if (site !== null)
    return site === 'same-origin' || site === 'none' ? null : `refused: the browser says this request is ${site}`
  const origin = request.headers.get('origin')
  if (origin !== null) {
    const own = [new URL(request.url).origin, ...(publicUrl ? [new URL(publicUrl).origin] : [])]
    return own.includes(origin) ? null : `refused: request origin ${origin} is not this app's`
  }
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  return type === 'application/json'
    ? null
    : 'refused: without browser provenance headers, send Content-Type: application/json'
}
