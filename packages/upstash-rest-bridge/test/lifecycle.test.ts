/** Fault injection, start-up failures and shutdown. */
import { Redis } from '@upstash/redis'
import { describe, expect, it } from 'vitest'
import { startBridge } from '../src/index.js'
import { nextEvent, REDIS_URL, redisMissing, useBridge, useKeys } from './support.js'

describe.skipIf(redisMissing)('setFault', () => {
  const bridge = useBridge()
  const k = useKeys()
  const client = (): Redis =>
    new Redis({ url: bridge().url, token: bridge().token, enableTelemetry: false, retry: false })

  it('answers every request with an injected status until cleared', async () => {
    const redis = client()
    await redis.set(k('a'), 'v')
    bridge().setFault({ status: 500 })
    await expect(redis.get(k('a'))).rejects.toThrow(/injected fault/)
    await expect(redis.set(k('a'), 'w')).rejects.toThrow(/injected fault/)
    const raw = await fetch(`${bridge().url}/`, { method: 'POST', body: '["PING"]' })
    expect(raw.status).toBe(500)
    expect(await raw.json()).toEqual({ error: 'injected fault' })
    bridge().setFault(null)
    expect(await redis.get(k('a'))).toBe('v')
  })

  it('delays every response until cleared', async () => {
    const redis = client()
    const delayMs = 250
    bridge().setFault({ delayMs })
    const started = performance.now()
    expect(await redis.set(k('slow'), 'v')).toBe('OK')
    expect(performance.now() - started).toBeGreaterThanOrEqual(delayMs - 5)
    // A client-side timeout sees the delay as a timeout.
    const timedOut = new Redis({
      url: bridge().url,
      token: bridge().token,
      enableTelemetry: false,
      retry: false,
      signal: () => AbortSignal.timeout(50),
    })
    await expect(timedOut.get(k('slow'))).rejects.toThrow()
    bridge().setFault(null)
    const restarted = performance.now()
    expect(await redis.get(k('slow'))).toBe('v')
    expect(performance.now() - restarted).toBeLessThan(delayMs)
  })

  it('rejects faults it cannot serve', () => {
    expect(() => bridge().setFault({ status: 102 })).toThrow(RangeError)
    expect(() => bridge().setFault({ delayMs: -1 })).toThrow(RangeError)
    expect(() => bridge().setFault({} as never)).toThrow(TypeError)
  })
})

describe.skipIf(redisMissing)('startBridge and close', () => {
  const k = useKeys()

  it('fails to start, with the cause, when Redis is unreachable', async () => {
    await expect(startBridge({ token: 't', redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*ECONNREFUSED/,
    )
    await expect(startBridge({ token: '' })).rejects.toThrow(TypeError)
  })

  it('closes with requests and subscriptions open, and is idempotent', async () => {
    const bridge = await startBridge({ token: 't', redisUrl: REDIS_URL })
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}`)
    const redis = new Redis({ url: bridge.url, token: 't', enableTelemetry: false, retry: false })
    const subscriber = redis.subscribe([k('ch')])
    await nextEvent('the subscribe confirmation', (deliver) => subscriber.on('subscribe', deliver))
    bridge.setFault({ delayMs: 10_000 })
    const stuck = redis.get(k('x'))
    const stuckOutcome = stuck.then(
      () => 'resolved',
      () => 'rejected',
    )
    const started = performance.now()
    await Promise.all([bridge.close(), bridge.close()])
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await stuckOutcome).toBe('rejected')
    await expect(fetch(`${bridge.url}/`, { method: 'POST', body: '["PING"]' })).rejects.toThrow()
    await subscriber.unsubscribe()
  })
})
