import { pricesFor } from 'distributed-validation-cache'
import { isAdmin } from './admin-session'
import { runtime } from './runtime'

// What each route handler asks for, per request, from the one runtime of this process.

export async function observabilityContext() {
  const rt = await runtime()
  return {
    cache: rt.cache,
    metrics: rt.metrics,
    token: rt.config.observabilityToken,
    isAdmin,
    startedAt: rt.startedAt,
    prices: pricesFor(rt.cache.stats().backend, rt.config.prices),
  }
}

export async function healthContext() {
  const rt = await runtime()
  return { cache: rt.cache, source: rt.config.userSource.provider }
}

export async function webhookContext() {
  const rt = await runtime()
  return { cache: rt.cache, secret: rt.config.webhookSecret }
}
