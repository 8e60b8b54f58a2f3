/**
 * Runs parsed commands against Redis and shapes the outcome as the Upstash REST
 * API does: `{result}` or `{error}`, one per command for pipelines.
 */
import { ReplyError } from 'ioredis'
import type { Redis } from 'ioredis'
import type { ParsedCommand } from './commands.js'
import { encodeReply } from './encoding.js'
import type { Json } from './encoding.js'

export type ResultItem = { result: Json } | { error: string }

export interface Outcome {
  status: number
  body: ResultItem | ResultItem[]
}

export async function runSingle(redis: Redis, command: ParsedCommand, base64: boolean): Promise<Outcome> {
  try {
    const reply = await redis.callBuffer(command.name, ...command.args)
    return { status: 200, body: { result: encodeReply(reply, base64) } }
  } catch (error) {
    // A Redis error is the caller's fault (400, as Upstash answers); anything else
    // means the bridge could not talk to Redis.
    return { status: error instanceof ReplyError ? 400 : 500, body: { error: messageOf(error) } }
  }
}

/** A pipeline never fails as a whole: each command gets its own result or error. */
export async function runPipeline(redis: Redis, commands: ParsedCommand[], base64: boolean): Promise<Outcome> {
  if (commands.length === 0) return { status: 200, body: [] }
  const pipeline = redis.pipeline()
  for (const command of commands) pipeline.callBuffer(command.name, ...command.args)
  try {
    return { status: 200, body: toItems(await pipeline.exec(), commands.length, base64) }
  } catch (error) {
    return { status: 500, body: { error: messageOf(error) } }
  }
}

/**
 * MULTI/EXEC. ioredis writes MULTI, the commands and EXEC in one go, so commands of
 * concurrent requests on the shared connection cannot slip in between. Runtime
 * errors (e.g. WRONGTYPE) are per command, as in Redis; a command Redis refuses to
 * queue aborts the whole transaction, which becomes a 400.
 */
export async function runTransaction(redis: Redis, commands: ParsedCommand[], base64: boolean): Promise<Outcome> {
  if (commands.length === 0) return { status: 200, body: [] }
  const transaction = redis.multi()
  for (const command of commands) transaction.callBuffer(command.name, ...command.args)
  try {
    return { status: 200, body: toItems(await transaction.exec(), commands.length, base64) }
  } catch (error) {
    if (!(error instanceof ReplyError)) return { status: 500, body: { error: messageOf(error) } }
    return { status: 400, body: { error: withQueueErrors(error as Error) } }
  }
}

function toItems(replies: [Error | null, unknown][] | null, count: number, base64: boolean): ResultItem[] {
  // EXEC answers nil only when a WATCHed key changed; WATCH is refused, but the
  // response must stay well-formed rather than rely on that.
  if (replies === null) return Array.from({ length: count }, () => ({ error: 'EXECABORT transaction aborted' }))
  return replies.map(([error, reply]) => (error ? { error: messageOf(error) } : { result: encodeReply(reply, base64) }))
}

function withQueueErrors(error: Error): string {
  // ioredis keeps the reason for EXECABORT in `previousErrors`, not in the message.
  const previous: unknown = (error as Error & { previousErrors?: unknown }).previousErrors
  if (!Array.isArray(previous) || previous.length === 0) return error.message
  return `${error.message} ${previous.map(messageOf).join('; ')}`
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
