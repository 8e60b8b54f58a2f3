/** The HTTP side: routing, auth, fault injection and error mapping. */
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { CommandShapeError, parseCommand, parseCommandList } from './commands.js'
import { wantsBase64 } from './encoding.js'
import { messageOf, runPipeline, runSingle, runTransaction } from './execute.js'
import type { Outcome } from './execute.js'
import type { Fault } from './fault.js'
import { BodyTooLargeError, discardAndSendJson, readBody, sendJson } from './http-io.js'
import type { SubscriptionKind, Subscriptions } from './subscribe.js'

export interface ServerContext {
  token: string
  redis: Redis
  subscriptions: Subscriptions
  /** Read on every request, so a fault set mid-test applies to the next request. */
  fault: () => Fault | null
  /** Aborted by close(), which cuts injected delays short. */
  shutdown: AbortSignal
}

type Route = { kind: 'single' | 'pipeline' | 'multi-exec' } | { kind: SubscriptionKind; target: string }

export function createBridgeServer(context: ServerContext): Server {
  return createServer((req, res) => {
    handle(context, req, res).catch((error: unknown) => {
      // Last resort, so that no input can crash the process or leave a request hanging.
      if (!res.headersSent) sendJson(res, 500, { error: `ERR bridge failure: ${messageOf(error)}` })
      else res.destroy()
    })
  })
}

async function handle(context: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fault = context.fault()
  if (fault && 'delayMs' in fault) await sleep(fault.delayMs, undefined, { signal: context.shutdown })
  if (fault && 'status' in fault) return discardAndSendJson(req, res, fault.status, { error: 'injected fault' })

  if (req.method !== 'POST')
    return discardAndSendJson(req, res, 405, { error: 'ERR only POST is supported' }, { allow: 'POST' })
  const route = routeOf(req.url ?? '/')
  if (!route) return discardAndSendJson(req, res, 404, { error: `ERR unknown path ${req.url ?? ''}` })
  if (!isAuthorized(req.headers.authorization, context.token))
    return discardAndSendJson(req, res, 401, { error: 'Unauthorized' })

  let body: Buffer
  try {
    body = await readBody(req)
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error
    return sendJson(res, 413, { error: `ERR ${error.message}` }, { connection: 'close' })
  }
  if (route.kind === 'subscribe' || route.kind === 'psubscribe')
    return context.subscriptions.serve(res, route.kind, route.target)

  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch {
    return sendJson(res, 400, { error: 'ERR request body is not valid JSON' })
  }
  let outcome: Outcome
  try {
    outcome = await execute(context.redis, route.kind, json, wantsBase64(req.headers['upstash-encoding']))
  } catch (error) {
    if (!(error instanceof CommandShapeError)) throw error
    return sendJson(res, 400, { error: error.message })
  }
  sendJson(res, outcome.status, outcome.body)
}

function execute(
  redis: Redis,
  kind: 'single' | 'pipeline' | 'multi-exec',
  json: unknown,
  base64: boolean,
): Promise<Outcome> {
  if (kind === 'single') return runSingle(redis, parseCommand(json), base64)
  if (kind === 'pipeline') return runPipeline(redis, parseCommandList(json), base64)
  return runTransaction(redis, parseCommandList(json), base64)
}

function routeOf(rawUrl: string): Route | null {
  // Parsed by hand: `new URL('//pipeline', base)` would read "pipeline" as a host.
  const path = rawUrl.split('?')[0] ?? '/'
  if (path === '/' || path === '') return { kind: 'single' }
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path
  if (trimmed === '/pipeline') return { kind: 'pipeline' }
  if (trimmed === '/multi-exec') return { kind: 'multi-exec' }
  for (const kind of ['subscribe', 'psubscribe'] as const) {
    const prefix = `/${kind}/`
    // Everything after the prefix is one channel: the client joins path segments
    // with "/" without escaping, so a channel "a/b" arrives as /subscribe/a/b.
    if (path.startsWith(prefix) && path.length > prefix.length)
      return { kind, target: decodePath(path.slice(prefix.length)) }
  }
  return null
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    // A literal "%" in a channel name that the client sent unescaped.
    return segment
  }
}

function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '')
  if (!match?.[1]) return false
  // Hashing first gives equal lengths, which timingSafeEqual requires. Not that the
  // bridge is a security boundary; it just should not teach bad habits.
  return timingSafeEqual(digest(match[1]), digest(token))
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
