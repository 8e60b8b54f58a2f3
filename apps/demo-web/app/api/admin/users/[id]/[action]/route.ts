import type { NextRequest } from 'next/server'
import { refusedAsCrossSite } from 'distributed-validation-cache/next'
import { adminInput } from '@/lib/admin-input'
import { performAdminAction } from '@/lib/admin-request'
import { runtime } from '@/lib/runtime'

type Context = { params: Promise<{ id: string; action: string }> }

/**
 * POST /api/admin/users/{id}/{ban|unban|delete|undelete|revoke|role}, for scripts and tests (the
 * admin page uses a Server Action; both run performAdminAction). Never from another site
 * (refusedAsCrossSite): Server Actions bring that check with them, this API does it here.
 */
export async function POST(request: NextRequest, context: Context) {
  const { id, action } = await context.params
  const crossSite = refusedAsCrossSite(request, (await runtime()).config.nextAuth.url)
  if (crossSite) return Response.json({ error: 'forbidden', reason: crossSite }, { status: 403 })
  const { status, body } = await performAdminAction({
    headers: request.headers,
    id,
    action,
    // A ban's duration counts from the user store's clock, which judges it.
    input: async (known) => adminInput(request, known, (await runtime()).cache.now()),
  })
  return Response.json(body, { status, headers: status === 503 ? { 'retry-after': '5' } : {} })
}
