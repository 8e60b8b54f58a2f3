import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startBridge } from 'upstash-rest-bridge'
import { subscribeOverSse } from '../src/stores/sse-subscription.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const CHANNEL = 'dvc:invalidate'
const redisUp = await redisAvailable()

interface SseServer {
  url: string
  requests: string[]
  closed: () => number
}

/** A real HTTP server speaking Upstash's SSE subscribe: it confirms the channel `confirmed`, whatever was asked. */
async function sseServer(confirmed: string): Promise<SseServer> {
  const requests: string[] = []
  let closed = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`)
    res.once('close', () => closed++)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.write(`data: subscribe,${confirmed},1\n\n`)
    res.write(`data: message,${CHANNEL},hello\n\n`)
    // Left open, as Upstash does: only the client ends a stream it cannot use.
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, closed: () => closed }
}

const servers: Server[] = []
const stops: (() => void)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections()
          s.close(resolve)
        }),
    ),
  )
})

function subscribe(url: string, { token = 't', channel = CHANNEL } = {}) {
  const listening: boolean[] = []
  const messages: string[] = []
  const onMessage = (message: string) => void messages.push(message)
  const subscription = subscribeOverSse({ url, token, channel, onMessage, onListening: (l) => void listening.push(l) })
  stops.push(subscription.stop)
  return { ...subscription, listening, messages }
}

describe('SSE subscription confirmation', () => {
  it('a confirmation for exactly our channel → listening, and messages flow', async () => {
    const server = await sseServer(CHANNEL)
    const sub = subscribe(server.url)
    await sub.ready
    expect(sub.listening).toEqual([true])
    await waitFor(() => sub.messages.length > 0, { timeoutMs: 2_000, intervalMs: 5, what: 'the message' })
    expect(sub.messages).toEqual(['hello'])
    expect(server.requests).toEqual([`POST /subscribe/${CHANNEL}`])
  })

  // The stream is for another channel: staying on it would report "listening" while deaf.
  it('a confirmation naming another channel → never listening; the attempt ends and is retried', async () => {
    const server = await sseServer('some-other-channel')
    const sub = subscribe(server.url)
    await sub.ready
    const retried = () => server.requests.length >= 2 && server.closed() >= 1
    await waitFor(retried, { timeoutMs: 3_000, intervalMs: 10, what: 'the attempt to end and a retry' })
    expect(sub.listening).not.toContain(true)
    expect(sub.messages).toEqual([])
  })

  it('a confirmation that only starts with our channel name does not count either', async () => {
    const server = await sseServer(`${CHANNEL}x`)
    const sub = subscribe(server.url)
    await sub.ready
    await waitFor(() => server.requests.length >= 2, { timeoutMs: 3_000, intervalMs: 10, what: 'a retry' })
    expect(sub.listening).not.toContain(true)
  })
})

describe.skipIf(!redisUp)('SSE subscription through the REST bridge', () => {
  // What an unsafe prefix did: "?" ends the URL path, so the server subscribed to "dvc".
  it('a channel the URL truncates is confirmed under another name → never listening', async () => {
    const bridge = await startBridge({ redisUrl: REDIS_URL, token: `token-${randomUUID()}` })
    try {
      const truncated = subscribe(bridge.url, { token: bridge.token, channel: 'dvc?x:invalidate' })
      await truncated.ready
      await new Promise((resolve) => setTimeout(resolve, 300)) // past the first retry
      expect(truncated.listening).not.toContain(true)
      const good = subscribe(bridge.url, { token: bridge.token })
      await good.ready
      expect(good.listening).toEqual([true])
    } finally {
      for (const stop of stops.splice(0)) stop()
      await bridge.close()
    }
  })
})

/** A proxy that answers 200 with SSE headers and then never streams: the connection stays open. */
async function stallingServer(): Promise<SseServer> {
  const requests: string[] = []
  let closed = 0
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    res.once('close', () => closed++)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.flushHeaders()
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, closed: () => closed }
}

describe('SSE subscription that goes quiet', () => {
  it('headers then silence: ready() settles within seconds, never listening, and it keeps retrying', async () => {
    const server = await stallingServer()
    const started = performance.now()
    const sub = subscribe(server.url)
    await sub.ready
    const settled = performance.now() - started
    console.log(`ready() settled ${Math.round(settled)} ms after a 200 that never streamed`)
    expect(settled).toBeLessThan(7_000) // the confirmation deadline is 5 s; today's hang was ~300 s
    expect(sub.listening).not.toContain(true)
    await waitFor(() => server.requests.length >= 2, { timeoutMs: 10_000, what: 'a second attempt' })
    expect(server.closed()).toBeGreaterThanOrEqual(1) // the stalled stream was ended, not left open
  }, 20_000)

  it('reconnect() ends a quiet stream that was confirmed, and the loop opens a new one', async () => {
    const server = await sseServer(CHANNEL)
    const sub = subscribe(server.url)
    await sub.ready
    expect(sub.listening).toEqual([true])
    sub.reconnect()
    await waitFor(() => server.requests.length === 2 && sub.listening.join() === 'true,false,true', {
      timeoutMs: 5_000,
      what: 'a new stream',
    })
    expect(server.closed()).toBe(1)
  })
})
