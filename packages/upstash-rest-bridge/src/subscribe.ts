/**
 * Pub/sub over Server-Sent Events, in the shape @upstash/redis's Subscriber parses:
 * `data: subscribe,<channel>,<count>` once, then `data: message,<channel>,<payload>`
 * (or `psubscribe,…` and `pmessage,<pattern>,<channel>,<payload>`). Payloads are
 * sent as they are, never base64, because the client never decodes them.
 */
import type { ServerResponse } from 'node:http'
import type { Redis } from 'ioredis'
import { sendJson } from './http-io.js'
import { messageOf } from './execute.js'

export type SubscriptionKind = 'subscribe' | 'psubscribe'

export class Subscriptions {
  readonly #connect: () => Redis
  readonly #open = new Set<() => void>()

  constructor(connect: () => Redis) {
    this.#connect = connect
  }

  /**
   * Streams until the client goes away or the bridge closes. Each stream has its
   * own Redis connection: subscriber mode is per connection, and closing it is
   * the whole unsubscribe.
   */
  async serve(res: ServerResponse, kind: SubscriptionKind, target: string): Promise<void> {
    const redis = this.#connect()
    // Lines that arrive before the subscribe confirmation is written. ioredis emits
    // messages that follow the confirmation in the same read synchronously, before
    // the awaited subscribe() below resumes.
    let pending: string[] | null = []
    let closed = false
    const write = (line: string): void => {
      if (pending) pending.push(line)
      else if (!res.writableEnded && !res.destroyed) res.write(`data: ${line}\n\n`)
    }
    const close = (): void => {
      if (closed) return
      closed = true
      this.#open.delete(close)
      redis.disconnect()
      if (!res.writableEnded) res.end()
    }
    this.#open.add(close)
    res.once('close', close)
    redis.on('message', (channel: string, message: string) => write(`message,${channel},${message}`))
    redis.on('pmessage', (pattern: string, channel: string, message: string) =>
      write(`pmessage,${pattern},${channel},${message}`),
    )

    let count: unknown
    try {
      count = kind === 'subscribe' ? await redis.subscribe(target) : await redis.psubscribe(target)
    } catch (error) {
      sendJson(res, 500, { error: messageOf(error) })
      close()
      return
    }
    if (closed) return
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Stops a reverse proxy (nginx) from holding back events.
      'x-accel-buffering': 'no',
    })
    const queued = pending
    pending = null
    write(`${kind},${target},${String(count)}`)
    for (const line of queued) write(line)
  }

  /** Ends every open stream; used when the bridge closes. */
  closeAll(): void {
    for (const close of [...this.#open]) close()
  }
}
