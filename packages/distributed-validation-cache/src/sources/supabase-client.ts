import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import { StoreClock } from './store-clock.js'

/**
 * A supabase-js client for server-side Auth calls only: no session kept or refreshed, and every
 * request bounded by `timeoutMs` (supabase-js has no bound of its own). With a `clock`, each
 * answer's Date header is a reading of the Auth server's clock (to the second).
 */
export function supabaseClient(url: string, key: string, timeoutMs: number, clock?: StoreClock): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: globalThis.WebSocket ?? RealtimeUnused },
    global: { fetch: timedFetch(timeoutMs, clock) },
  })
}

/** fetch bounded by `timeoutMs`; with a `clock`, each answer's Date header is a reading of it. */
export function timedFetch(timeoutMs: number, clock?: StoreClock): typeof fetch {
  return async (input, init) => {
    const sentAt = StoreClock.local()
    const response = await fetch(input, {
      ...init,
      signal: init?.signal
        ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    })
    const date = Date.parse(response.headers.get('date') ?? '')
    if (clock && Number.isFinite(date)) clock.observe(date, sentAt, StoreClock.local(), 1_000)
    return response
  }
}

/**
 * supabase-js ≥ 2.105 throws in createClient() where there is no WebSocket class (Node 20), though
 * only Realtime opens one, and nothing here subscribes. A class that says so if it is ever built,
 * instead of the `ws` package, which cannot run on the Edge runtime.
 */
class RealtimeUnused {
  constructor() {
    throw new Error('distributed-validation-cache uses no Supabase Realtime: create your own client for it')
  }
}
