import { healthHandler } from 'distributed-validation-cache/next'
import { runtime } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

export async function GET() {
  const rt = await runtime()
  return healthHandler({ cache: rt.cache, source: rt.config.userSource.provider })()
}
