/**
 * Lua scripts (EVAL, EVALSHA) through the real @upstash/redis client: what distributed-validation-cache
 * sends for one fleet-metrics flush, and what Upstash bills as one command.
 */
import { createHash } from 'node:crypto'
import { Redis } from '@upstash/redis'
import { describe, expect, it } from 'vitest'
import { redisMissing, useBridge, useKeys } from './support.js'

describe.skipIf(redisMissing)('EVAL and EVALSHA', () => {
  const bridge = useBridge()
  const k = useKeys()
  // As distributed-validation-cache configures it: raw replies, no retries hiding a failure.
  const client = (): Redis =>
    new Redis({
      url: bridge().url,
      token: bridge().token,
      automaticDeserialization: false,
      retry: false,
      enableTelemetry: false,
    })

  it('runs a script with its keys and arguments, writing to Redis, and answers its integer', async () => {
    const redis = client()
    const script = "redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2]); redis.call('PFADD', KEYS[2], ARGV[3]); return 7"
    expect(await redis.eval(script, [k('h'), k('u')], ['hits', 3, 'zoë'])).toBe(7)
    expect(await redis.eval(script, [k('h'), k('u')], ['hits', 2, 'zoë'])).toBe(7)
    expect(await redis.hget(k('h'), 'hits')).toBe('5')
    expect(await redis.pfcount(k('u'))).toBe(1)
  })

  it('answers nested arrays, nil and bytes as Redis returns them (base64 on the wire)', async () => {
    const redis = client()
    const reply = await redis.eval("return {1, ARGV[1], {2, 'deep'}, false}", [], ['héllo 🎉'])
    expect(reply).toEqual([1, 'héllo 🎉', [2, 'deep'], null]) // Lua false is a nil reply
    expect(await redis.eval('return nil', [], [])).toBeNull()
    expect(await redis.eval("return redis.status_reply('OK')", [], [])).toBe('OK')
  })

  it('says NOSCRIPT for an unknown sha, so a script falls back to EVAL, then runs by its sha', async () => {
    const redis = client()
    const body = `return ARGV[1] .. '${k('salt')}'` // a script this Redis has never seen
    const sha = createHash('sha1').update(body).digest('hex')
    await expect(redis.evalsha(sha, [], ['x'])).rejects.toThrow(/NOSCRIPT/)
    const script = redis.createScript<string>(body)
    expect(await script.exec([], ['a'])).toBe(`a${k('salt')}`) // EVALSHA, NOSCRIPT, then EVAL
    expect(await redis.evalsha(sha, [], ['b'])).toBe(`b${k('salt')}`) // loaded now
    expect(await redis.scriptLoad(`return '${k('loaded')}'`)).toMatch(/^[0-9a-f]{40}$/)
  })

  it('reports a script error as the error Redis gave, and runs scripts in a pipeline', async () => {
    const redis = client()
    await expect(redis.eval("return redis.error_reply('ERR refused delta')", [], [])).rejects.toThrow(/refused delta/)
    await expect(redis.eval("redis.call('HINCRBY', KEYS[1], 'f', 'x')", [k('bad')], [])).rejects.toThrow(
      /not an integer/,
    )
    const pipeline = redis.pipeline()
    pipeline.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", [k('n')], [4])
    pipeline.get(k('n'))
    expect(await pipeline.exec()).toEqual([4, '4'])
  })
})
