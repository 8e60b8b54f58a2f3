import { createHook } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { redisStore } from '../src/stores/redis.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/** The timers `action` starts that would keep a process alive (ref'd), still pending after it. */
async function refTimersStartedBy(action: () => unknown): Promise<number> {
  const started: { hasRef(): boolean; _destroyed?: boolean }[] = []
  const hook = createHook({
    init: (_id, type, _trigger, resource) => void (type === 'Timeout' && started.push(resource as never)),
  }).enable()
  try {
    await action()
  } finally {
    hook.disable()
  }
  return started.filter((timer) => timer.hasRef() && !timer._destroyed).length
}

describe.skipIf(!redisUp)('a closed Redis store', () => {
  // `pnpm bench` never exited: after cache.close(), a retry's failures tripped the breaker, whose
  // reconnect() had ioredis disconnect a quit client, arming a ref'd 2 s timer — again every second.
  it('ignores reconnect(), on itself and on a subscription, instead of arming timers that hold the process', async () => {
    const store = redisStore(REDIS_URL)
    await store.get(`close-test:${randomUUID()}`)
    const subscription = await store.subscribe(`close-test:${randomUUID()}`, { onMessage: () => undefined })
    await subscription!()
    await store.close()
    expect(
      await refTimersStartedBy(() => {
        for (let i = 0; i < 3; i++) store.reconnect!()
        subscription!.reconnect!()
      }),
    ).toBe(0)
  })

  it('still reconnects while open, and serves again afterwards', async () => {
    const store = redisStore(REDIS_URL)
    const key = `close-test:${randomUUID()}`
    await store.set(key, 'v', { ttlMs: 10_000 })
    store.reconnect!()
    await expect(store.get(key)).resolves.toBe('v')
    await store.close()
  })
})
