/** The real @upstash/redis client, default options (auto-pipelining, base64, deserialization). */
import { Redis } from '@upstash/redis'
import { describe, expect, it } from 'vitest'
import { eventually, redisMissing, useBridge, useKeys } from './support.js'

const tricky = ['héllo wörld', '🎉 family: 👩‍👩‍👧', 'nul\u0000byte', 'line1\nline2\r\n', '中文,commas, and "quotes"']

describe.skipIf(redisMissing)('@upstash/redis with default options', () => {
  const bridge = useBridge()
  const k = useKeys()
  const client = (): Redis => new Redis({ url: bridge().url, token: bridge().token, enableTelemetry: false })

  it('sets and gets, deletes, and reads a missing key as null', async () => {
    const redis = client()
    expect(await redis.set(k('a'), 'value')).toBe('OK')
    expect(await redis.get(k('a'))).toBe('value')
    expect(await redis.del(k('a'))).toBe(1)
    expect(await redis.get(k('a'))).toBeNull()
    expect(await redis.get(k('never-set'))).toBeNull()
  })

  it('expires keys set with EX and PX', async () => {
    const redis = client()
    await redis.set(k('ex'), 'v', { ex: 1 })
    await redis.set(k('px'), 'v', { px: 150 })
    const ttl = await redis.ttl(k('ex'))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(1)
    const pttl = await redis.pttl(k('px'))
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(150)
    await eventually('the PX key to expire', async () => ((await redis.get(k('px'))) === null ? true : undefined), 2000)
    await eventually('the EX key to expire', async () => ((await redis.get(k('ex'))) === null ? true : undefined), 3000)
    expect(await redis.ttl(k('ex'))).toBe(-2)
  })

  it('round-trips unicode, emoji, NUL bytes and newlines', async () => {
    const redis = client()
    // Concurrent calls, so they travel together in one auto-pipelined request.
    await Promise.all(tricky.map((value, i) => redis.set(k(`t${i}`), value)))
    expect(await Promise.all(tricky.map((_, i) => redis.get(k(`t${i}`))))).toEqual(tricky)
    expect(await redis.strlen(k('t2'))).toBe(Buffer.byteLength(tricky[2] ?? ''))
  })

  it('round-trips a large value', async () => {
    const redis = client()
    const big = 'x🎉'.repeat(50_000)
    await redis.set(k('big'), big)
    expect(await redis.get(k('big'))).toBe(big)
  })

  it('deserializes JSON values, as Upstash does', async () => {
    const redis = client()
    await redis.set(k('json-string'), JSON.stringify({ a: 1, b: ['x', null] }))
    await redis.set(k('object'), { nested: { ok: true } })
    expect(await redis.get(k('json-string'))).toEqual({ a: 1, b: ['x', null] })
    expect(await redis.get(k('object'))).toEqual({ nested: { ok: true } })
  })

  it('runs incr, hset/hgetall, pfadd/pfcount and lrange', async () => {
    const redis = client()
    expect(await redis.incr(k('n'))).toBe(1)
    expect(await redis.incrby(k('n'), 41)).toBe(42)
    expect(await redis.hset(k('h'), { name: 'Zoë', count: 3 })).toBe(2)
    expect(await redis.hgetall(k('h'))).toEqual({ name: 'Zoë', count: 3 })
    expect(await redis.pfadd(k('hll'), 'a', 'b', 'c', 'a')).toBe(1)
    expect(await redis.pfcount(k('hll'))).toBe(3)
    await redis.rpush(k('l'), 'one', 'twö', '🎉')
    expect(await redis.lrange(k('l'), 0, -1)).toEqual(['one', 'twö', '🎉'])
  })

  it('honours SET NX and XX', async () => {
    const redis = client()
    expect(await redis.set(k('nx'), 'first', { nx: true })).toBe('OK')
    expect(await redis.set(k('nx'), 'second', { nx: true })).toBeNull()
    expect(await redis.get(k('nx'))).toBe('first')
    expect(await redis.set(k('xx'), 'v', { xx: true })).toBeNull()
    expect(await redis.exists(k('xx'))).toBe(0)
  })

  it('reports a failing command in a pipeline without failing the others', async () => {
    const redis = client()
    await redis.set(k('s'), 'not a number')
    const pipeline = redis.pipeline()
    pipeline.get(k('s')).incr(k('s')).set(k('after'), 'ran')
    const results = await pipeline.exec({ keepErrors: true })
    expect(results[0]).toEqual({ result: 'not a number', error: undefined })
    expect(results[1]?.error).toMatch(/^ERR value is not an integer/)
    expect(results[2]).toEqual({ result: 'OK', error: undefined })
    const again = redis.pipeline().get(k('s')).incr(k('s'))
    await expect(again.exec()).rejects.toThrow(/Command 2 \[ incr \] failed: ERR value is not an integer/)
    // Auto-pipelined calls fail one by one too.
    const [get, incr] = await Promise.allSettled([redis.get(k('after')), redis.incr(k('s'))])
    expect(get).toEqual({ status: 'fulfilled', value: 'ran' })
    expect(incr.status).toBe('rejected')
  })

  it('runs a transaction with multi/exec', async () => {
    const redis = client()
    const results = await redis.multi().set(k('tx'), 1).incr(k('tx')).get(k('tx')).del(k('tx')).exec()
    expect(results).toEqual(['OK', 2, 2, 1])
    expect(await redis.exists(k('tx'))).toBe(0)
  })

  it('evaluates Lua, including evalsha through a Script', async () => {
    const redis = client()
    const lua =
      "redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('GET', KEYS[1]), tonumber(ARGV[2]) + 1}"
    expect(await redis.eval(lua, [k('lua')], ['set by lua', 41])).toEqual([k('lua'), 'set by lua', 42])
    // Script.exec tries EVALSHA first and falls back to EVAL on NOSCRIPT.
    const script = redis.createScript<number>(`return ${Date.now()} * 0 + tonumber(ARGV[1])`)
    expect(await script.exec([], ['7'])).toBe(7)
    expect(await script.exec([], ['8'])).toBe(8)
  })
})

describe.skipIf(redisMissing)('@upstash/redis with automaticDeserialization: false', () => {
  const bridge = useBridge()
  const k = useKeys()
  const client = (): Redis =>
    new Redis({ url: bridge().url, token: bridge().token, enableTelemetry: false, automaticDeserialization: false })

  it('returns strings as stored', async () => {
    const redis = client()
    const json = JSON.stringify({ a: 1 })
    await redis.set(k('json'), json)
    await redis.set(k('num'), '0123')
    expect(await redis.get(k('json'))).toBe(json)
    expect(await redis.get(k('num'))).toBe('0123')
    expect(await redis.get(k('missing'))).toBeNull()
    await redis.hset(k('h'), { count: 3 })
    // The client also skips turning HGETALL's flat array into an object in this mode.
    expect(await redis.hgetall(k('h'))).toEqual(['count', '3'])
    expect(await redis.incr(k('n'))).toBe(1)
  })

  it('round-trips unicode, emoji, NUL bytes and newlines', async () => {
    const redis = client()
    await Promise.all(tricky.map((value, i) => redis.set(k(`t${i}`), value)))
    expect(await Promise.all(tricky.map((_, i) => redis.get(k(`t${i}`))))).toEqual(tricky)
    await redis.rpush(k('l'), ...tricky)
    expect(await redis.lrange(k('l'), 0, -1)).toEqual(tricky)
  })

  it('runs pipelines and transactions', async () => {
    const redis = client()
    expect(await redis.pipeline().set(k('p'), 'x', { px: 10_000 }).get(k('p')).exec()).toEqual(['OK', 'x'])
    expect(await redis.multi().incr(k('m')).incr(k('m')).get(k('m')).exec()).toEqual([1, 2, '2'])
  })
})

describe.skipIf(redisMissing)('@upstash/redis without base64 (responseEncoding: false)', () => {
  const bridge = useBridge()
  const k = useKeys()

  it('gets plain UTF-8 strings', async () => {
    const redis = new Redis({
      url: bridge().url,
      token: bridge().token,
      enableTelemetry: false,
      responseEncoding: false,
    })
    await Promise.all(tricky.map((value, i) => redis.set(k(`t${i}`), value)))
    expect(await Promise.all(tricky.map((_, i) => redis.get(k(`t${i}`))))).toEqual(tricky)
  })
})
