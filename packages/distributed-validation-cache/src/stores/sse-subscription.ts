export interface SseSubscriptionOptions {
  url: string
  token: string
  channel: string
  onMessage: (message: string) => void
  /** Runs after a reconnect: messages published while the stream was down are lost. */
  onGap?: () => void
}

/**
 * Upstash's REST SUBSCRIBE: a POST answered with a server-sent event stream of
 * `data: message,<channel>,<payload>` lines. @upstash/redis's Subscriber does not reconnect
 * when the stream ends, which would silently end lockout broadcasts, so this loop does.
 * `ready` resolves once the server confirmed the subscription, or the first attempt failed.
 */
export function subscribeOverSse(options: SseSubscriptionOptions): { ready: Promise<void>; stop: () => void } {
  const controller = new AbortController()
  const prefix = `message,${options.channel},`
  let settle: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (settle = resolve))
  void (async () => {
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      if (attempt > 0) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** Math.min(attempt, 5), 3_000)))
        if (controller.signal.aborted) return
        options.onGap?.()
      }
      try {
        const response = await fetch(`${options.url.replace(/\/$/, '')}/subscribe/${options.channel}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${options.token}`, Accept: 'text/event-stream', 'Content-Type': 'application/json' },
          body: '[]',
          signal: controller.signal,
        })
        if (!response.ok || !response.body) {
          settle()
          continue
        }
        attempt = 0
        let buffered = ''
        for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
          buffered += chunk
          const lines = buffered.split('\n')
          buffered = lines.pop() ?? ''
          for (const line of lines) {
            const data = line.replace(/\r$/, '').replace(/^data:\s?/, '')
            if (data.startsWith(prefix)) options.onMessage(data.slice(prefix.length))
            else if (data.startsWith('subscribe,')) settle()
          }
        }
      } catch {
        // Network error or abort: the loop condition decides whether to reconnect.
      }
      settle()
    }
  })()
  return { ready, stop: () => controller.abort() }
}
