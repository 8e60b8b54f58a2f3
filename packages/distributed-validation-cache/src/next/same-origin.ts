/**
 * CSRF guard for cookie-authenticated POSTs. SameSite=Lax stops cross-site forms but not
 * same-site ones (a sibling subdomain), so state-changing routes also require the browser's
 * Origin (or Sec-Fetch-Site) to say the request came from the app's own pages.
 */
export function isSameOrigin(request: Request, publicUrl?: string): boolean {
  const site = request.headers.get('sec-fetch-site')
  if (site !== null) return site === 'same-origin'
  const origin = request.headers.get('origin')
  if (origin === null) return false
  const expected = new URL(publicUrl ?? request.url).origin
  return origin === expected || origin === new URL(request.url).origin
}
