import { webhookHandler } from 'distributed-validation-cache/next'
import { runtime } from '@/lib/runtime'

export async function POST(request: Request) {
  const rt = await runtime()
  return webhookHandler({ cache: rt.cache, secret: rt.config.webhookSecret })(request)
}
