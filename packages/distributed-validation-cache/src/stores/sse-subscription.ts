import type { SubscriptionHandlers } from './store.js'

export interface SseSubscriptionOptions extends SubscriptionHandlers {
  url: string
  token: string
  channel: string
}

const CONNECT_TIMEOUT_MS = 5_000
const MAX_LINE = 1 << 20 // longer than any broadcast of ours: cap what a bad stream can buffer

/**
 * Upstash's REST SUBSCRIBE: a POST answered with a server-sent event stream of
 * `data: message,<channel>,<payload>` lines. @upstash/redis's Subscriber does not reconnect
 * when the stream ends, which would silently end lockout broadcasts, so this loop does.
 * `ready` resolves once the server confirmed the subscription to exactly this channel, or the
 * first attempt failed.
 */
export function subscribeOverSse(options: SseSubscriptionOptions): {
  ready: Promise<void>
  stop: () => void
  reconnect: () => void
} {
  const stopped = new AbortController()
  let settle: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (settle = resolve))
  let current: AbortController | undefined
  void (async () => {
    for (let attempt = 0; !stopped.signal.aborted; attempt++) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** Math.min(attempt, 5), 3_000)))
      if (stopped.signal.aborted) break
      current = new AbortController()
      if (await listenOnce(options, stopped.signal, current, settle)) attempt = 0
      options.onListening?.(false)
      settle()
    }
  })()
  // reconnect: the stream went quiet (a heartbeat never came back): end it; the loop opens another.
  return { ready, stop: () => stopped.abort(), reconnect: () => current?.abort() }
}

/** One connection, until it ends. Returns whether the server confirmed the subscription. */
async function listenOnce(
  options: SseSubscriptionOptions,
  stopped: AbortSignal,
  attempt: AbortController,
  settle: () => void,
): Promise<boolean> {
  const stop = () => attempt.abort()
  stopped.addEventListener('abort', stop, { once: true })
  // A server that accepts the connection but never answers — or answers 200 and then never
  // streams the confirmation (a buffering proxy) — must not leave us, or ready(), waiting.
  const connectTimer = setTimeout(stop, CONNECT_TIMEOUT_MS)
  const prefix = `message,${options.channel},`
  const confirmation = `subscribe,${options.channel},`
  let confirmed = false
  try {
    // The channel goes unescaped, exactly as @upstash/redis sends it.
    const response = await fetch(`${options.url.replace(/\/$/, '')}/subscribe/${options.channel}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${options.token}`,
        Accept: 'text/event-stream',
        'Content-Type': 'application/json',
      },
      body: '[]',
      signal: attempt.signal,
    })
    if (!response.ok || !response.body) {
      await response.body?.cancel()
      return false
    }
    let buffered = ''
    for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
      const lines = (buffered + chunk).split('\n')
      buffered = (lines.pop() ?? '').slice(-MAX_LINE)
      for (const line of lines) {
        const data = line.replace(/\r$/, '').replace(/^data:\s?/, '')
        if (data.startsWith(prefix)) options.onMessage(data.slice(prefix.length))
        else if (data.startsWith('subscribe,')) {
          // The server names the channel it subscribed to. Another one (a URL that cut ours
          // short, a proxy) means this stream will never carry our broadcasts: claiming to
          // listen would keep L1 on its long TTL while deaf. End the attempt; the loop retries.
          if (!data.startsWith(confirmation) || !/^\d+$/.test(data.slice(confirmation.length))) {
            stop() // drop the connection itself, not only our reading of it
            return false
          }
          confirmed = true
          clearTimeout(connectTimer)
          options.onListening?.(true)
          settle()
        }
      }
    }
  } catch {
    // Network error, connect timeout or stop(): the caller decides whether to retry.
  } finally {
    clearTimeout(connectTimer)
    stopped.removeEventListener('abort', stop)
  }
  return confirmed
}
