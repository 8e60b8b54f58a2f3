import { metricsHandler } from 'distributed-validation-cache/prometheus'
import { observabilityContext } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

export async function GET(request: Request) {
  return metricsHandler(await observabilityContext())(request)
}
