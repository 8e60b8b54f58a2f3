import { z } from 'zod'
import type { ValidationCache } from '../cache.js'
import { InvalidUserIdError } from '../errors.js'
import { bearerMatches } from './bearer.js'
import { type Lazy, resolveLazy } from './lazy.js'

const MAX_BODY_BYTES = 64 * 1024

// Supabase Database Webhook payload (pg_net): INSERT/UPDATE/DELETE on a table.
const Payload = z.object({
  type: z.enum(['INSERT', 'UPDATE', 'DELETE']),
  table: z.string(),
  schema: z.string(),
  record: z.object({ id: z.string() }).passthrough().nullable(),
  old_record: z.object({ id: z.string() }).passthrough().nullable(),
})

export interface WebhookOptions {
  cache: Lazy<ValidationCache>
  /** REVALIDATION_WEBHOOK_SECRET: the bearer the sender must present; unset, the webhook answers 503. */
  secret: string | undefined
}

/**
 * `POST /api/validation/webhook`: a Supabase Database Webhook on auth.users (UPDATE, DELETE)
 * re-reads that user and tells the fleet — so a ban or delete made in the dashboard locks the
 * user out at once instead of after the TTL. Idempotent: a replay re-reads the same state.
 */
export function webhookHandler(webhook: Lazy<WebhookOptions>) {
  return async function POST(request: Request): Promise<Response> {
    const options = await resolveLazy(webhook)
    if (!options.secret)
      return Response.json(
        { error: 'webhook_disabled', reason: 'REVALIDATION_WEBHOOK_SECRET is not set' },
        { status: 503 },
      )
    if (!(await bearerMatches(request.headers.get('authorization'), options.secret)))
      return Response.json({ error: 'unauthorized' }, { status: 401 })
    const declared = Number(request.headers.get('content-length') ?? 0)
    if (declared > MAX_BODY_BYTES)
      return Response.json({ error: 'payload_too_large', limit: MAX_BODY_BYTES }, { status: 413 })
    const body = await readLimited(request, MAX_BODY_BYTES)
    if (body === undefined) return Response.json({ error: 'payload_too_large', limit: MAX_BODY_BYTES }, { status: 413 })
    let json: unknown
    try {
      json = JSON.parse(body)
    } catch {
      return Response.json({ error: 'bad_request', reason: 'body is not JSON' }, { status: 400 })
    }
    const parsed = Payload.safeParse(json)
    if (!parsed.success)
      return Response.json(
        {
          error: 'bad_request',
          reason: 'not a Supabase Database Webhook payload',
          issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        },
        { status: 400 },
      )
    const { type, table, schema, record, old_record } = parsed.data
    if (schema !== 'auth' || table !== 'users' || type === 'INSERT')
      return Response.json({
        ignored: true,
        reason: `only auth.users UPDATE/DELETE matter (got ${schema}.${table} ${type})`,
      })
    const userId = (record ?? old_record)?.id
    if (!userId)
      return Response.json({ error: 'bad_request', reason: 'record.id or old_record.id is required' }, { status: 400 })
    const cache = await resolveLazy(options.cache)
    try {
      const outcome = await cache.refresh(userId)
      // Not yet in the shared store or the log: this process's own retry may die with it (a frozen
      // serverless function), so the sender is told to send it again.
      if (outcome.cache === 'pending')
        return Response.json(
          { refreshed: false, ...outcome, reason: 'the shared cache did not take the change; retry' },
          { status: 503, headers: { 'retry-after': '5' } },
        )
      return Response.json({ refreshed: true, ...outcome })
    } catch (error) {
      if (error instanceof InvalidUserIdError)
        return Response.json({ error: 'bad_request', reason: error.message }, { status: 400 })
      throw error
    }
  }
}

async function readLimited(request: Request, limit: number): Promise<string | undefined> {
  if (!request.body) return ''
  const decoder = new TextDecoder() // not Buffer: this handler may run on the Edge runtime
  let text = ''
  let size = 0
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > limit) return undefined
    text += decoder.decode(chunk, { stream: true }) // a character split across chunks stays whole
  }
  return text + decoder.decode()
}
