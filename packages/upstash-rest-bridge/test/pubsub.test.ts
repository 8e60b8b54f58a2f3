/** Pub/sub through the client's subscribe()/psubscribe() (SSE) and publish(). */
import { Redis } from '@upstash/redis'
import { Redis as IORedis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { startBridge } from '../src/index.js'
import { eventually, nextEvent, REDIS_URL, redisMissing, useBridge, useKeys } from './support.js'

describe.skipIf(redisMissing)('pub/sub', () => {
  const bridge = useBridge()
  const k = useKeys()
  const admin = redisMissing ? undefined : new IORedis(REDIS_URL)
  afterAll(async () => {
    await admin?.quit()
  })
  const client = (automaticDeserialization = true): Redis =>
    new Redis({ url: bridge().url, token: bridge().token, enableTelemetry: false, automaticDeserialization })
  const subscribers = async (channel: string): Promise<number> => {
    const reply = (await admin?.pubsub('NUMSUB', channel)) as [string, number] | undefined
    return reply?.[1] ?? 0
  }

  it('delivers published messages to a subscriber and cleans up on unsubscribe', async () => {
    const redis = client()
    const channel = k('chat')
    const subscriber = redis.subscribe<unknown>([channel])
    expect(
      await nextEvent<number>('the subscribe confirmation', (deliver) => subscriber.on('subscribe', deliver)),
    ).toBe(1)

    const first = nextEvent<{ channel: string; message: unknown }>('the first message', (deliver) =>
      subscriber.on('message', deliver),
    )
    expect(await redis.publish(channel, 'hello, wörld 🎉')).toBe(1)
    expect(await first).toEqual({ channel, message: 'hello, wörld 🎉' })

    const second = nextEvent<{ message: unknown }>('the JSON message', (deliver) =>
      subscriber.on(`message:${channel}`, deliver),
    )
    await redis.publish(channel, { kind: 'json', n: 1 })
    expect((await second).message).toEqual({ kind: 'json', n: 1 })

    expect(await subscribers(channel)).toBe(1)
    await subscriber.unsubscribe()
    await eventually('the bridge to drop its Redis subscription', async () =>
      (await subscribers(channel)) === 0 ? true : undefined,
    )
  })

  it('passes messages through untouched when automaticDeserialization is false', async () => {
    const redis = client(false)
    const channel = k('raw')
    const subscriber = redis.subscribe<string>(channel)
    await nextEvent('the subscribe confirmation', (deliver) => subscriber.on('subscribe', deliver))
    const received = nextEvent<{ message: string }>('the message', (deliver) => subscriber.on('message', deliver))
    await redis.publish(channel, '{"a":1}')
    expect((await received).message).toBe('{"a":1}')
    await subscriber.unsubscribe()
  })

  it('delivers pattern messages to psubscribe', async () => {
    const pattern = k('news.*')
    for (const automaticDeserialization of [true, false]) {
      const redis = client(automaticDeserialization)
      const subscriber = redis.psubscribe<unknown>([pattern])
      expect(
        await nextEvent<number>('the psubscribe confirmation', (deliver) => subscriber.on('psubscribe', deliver)),
      ).toBe(1)
      const received = nextEvent<{ pattern: string; channel: string; message: unknown }>(
        'the pattern message',
        (deliver) => subscriber.on('pmessage', deliver),
      )
      // With deserialization on, the 1.39 client JSON.parses pattern messages without
      // the plain-string fallback it has for channel messages, so publish JSON there.
      const message = automaticDeserialization ? { score: '2, 1' } : 'goal, again'
      await redis.publish(k('news.sport'), message)
      expect(await received).toEqual({ pattern, channel: k('news.sport'), message })
      await subscriber.unsubscribe()
    }
  })

  it('streams the SSE lines the client parses', async () => {
    const channel = k('wire')
    const controller = new AbortController()
    const response = await fetch(`${bridge().url}/subscribe/${channel}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge().token}`, accept: 'text/event-stream', 'upstash-encoding': 'base64' },
      body: '[]',
      signal: controller.signal,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const readUntil = (needle: string): Promise<string> =>
      eventually(`SSE text containing ${JSON.stringify(needle)}`, async () => {
        text += decoder.decode((await reader.read()).value, { stream: true })
        return text.includes(needle) ? text : undefined
      })
    expect(await readUntil('\n\n')).toBe(`data: subscribe,${channel},1\n\n`)
    await admin?.publish(channel, 'plain, not base64')
    expect(await readUntil('base64\n\n')).toBe(
      `data: subscribe,${channel},1\n\ndata: message,${channel},plain, not base64\n\n`,
    )
    controller.abort()
    await eventually('the subscription to end', async () => ((await subscribers(channel)) === 0 ? true : undefined))
  })

  it('ends open streams when the bridge closes', async () => {
    const own = await startBridge({ token: 't', redisUrl: REDIS_URL })
    const redis = new Redis({ url: own.url, token: 't', enableTelemetry: false, retry: false })
    const channel = k('closing')
    const subscriber = redis.subscribe([channel])
    await nextEvent('the subscribe confirmation', (deliver) => subscriber.on('subscribe', deliver))
    expect(await subscribers(channel)).toBe(1)
    await own.close()
    expect(await subscribers(channel)).toBe(0)
    await subscriber.unsubscribe()
  })
})
