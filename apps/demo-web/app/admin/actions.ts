'use server'

import { headers } from 'next/headers'
import { adminInputFrom } from '@/lib/admin-input'
import { type AdminOutcome, performAdminAction } from '@/lib/admin-request'
import { runtime } from '@/lib/runtime'

/**
 * The admin page's actions, as a Server Action: Next checks that the request comes from this
 * site (Origin against Host) before it runs. The same function as the HTTP admin API behind it.
 */
export async function adminAction(id: string, action: string, input?: unknown): Promise<AdminOutcome> {
  return performAdminAction({
    headers: await headers(),
    id,
    action,
    // A ban's duration counts from the user store's clock, which judges it.
    input: async (known) => adminInputFrom(known, input ?? {}, (await runtime()).cache.now()),
  })
}
