import { observabilityHandler } from 'distributed-validation-cache/next'
import { observabilityContext } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

export async function GET(request: Request) {
  return observabilityHandler(await observabilityContext())(request)
}
