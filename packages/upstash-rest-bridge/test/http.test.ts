/** The wire format, checked with plain fetch. */
import { describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../src/index.js'
import { redisMissing, useBridge, useKeys } from './support.js'

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

describe.skipIf(redisMissing)('HTTP wire format', () => {
  const bridge = useBridge()
  const k = useKeys()

  const post = async (
    path: string,
    body: unknown,
    options: { token?: string | null; base64?: boolean; raw?: boolean } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const token = options.token === undefined ? bridge().token : options.token
    if (token !== null) headers.authorization = `Bearer ${token}`
    if (options.base64) headers['upstash-encoding'] = 'base64'
    const response = await fetch(`${bridge().url}${path}`, {
      method: 'POST',
      headers,
      body: options.raw ? (body as string) : JSON.stringify(body),
    })
    return { status: response.status, json: (await response.json()) as unknown }
  }

  it('answers 401 without a token or with a wrong one', async () => {
    expect(await post('/', ['PING'], { token: null })).toEqual({ status: 401, json: { error: 'Unauthorized' } })
    expect(await post('/pipeline', [['PING']], { token: 'wrong' })).toEqual({
      status: 401,
      json: { error: 'Unauthorized' },
    })
    expect(await post('/', ['PING'])).toEqual({ status: 200, json: { result: 'PONG' } })
  })

  it('answers 400 on malformed JSON', async () => {
    const { status, json } = await post('/', '["SET", "k"', { raw: true })
    expect(status).toBe(400)
    expect(json).toEqual({ error: expect.stringMatching(/^ERR .*JSON/) })
  })

  it('answers 400 with an unencoded error on bad command shapes and refused commands', async () => {
    for (const body of [{ not: 'an array' }, [], [42, 'x'], ['SET', 'k', { nested: true }], ['SET', 'k', null]]) {
      const { status, json } = await post('/', body, { base64: true })
      expect(status, JSON.stringify(body)).toBe(400)
      expect(json, JSON.stringify(body)).toEqual({ error: expect.stringMatching(/^ERR /) })
    }
    for (const body of [
      ['SUBSCRIBE', 'ch'],
      ['psubscribe', 'ch*'],
      ['MONITOR'],
      ['BLPOP', 'k', 0],
      ['XREAD', 'BLOCK', 0, 'STREAMS', 's', '$'],
      ['SELECT', 1],
    ]) {
      expect(await post('/', body, { base64: true }), JSON.stringify(body)).toEqual({
        status: 400,
        json: { error: expect.stringMatching(/^ERR Command is not allowed/) },
      })
    }
    const inPipeline = await post(
      '/pipeline',
      [
        ['GET', k('a')],
        ['SUBSCRIBE', 'ch'],
      ],
      { base64: true },
    )
    expect(inPipeline).toEqual({
      status: 400,
      json: { error: expect.stringMatching(/^ERR Command is not allowed: 'SUBSCRIBE'.*\[command 2\]$/) },
    })
  })

  it('answers 400 with the unencoded Redis error when a command fails', async () => {
    expect(await post('/', ['NOSUCHCOMMAND', 'x'], { base64: true })).toEqual({
      status: 400,
      json: { error: expect.stringMatching(/^ERR unknown command/) },
    })
    expect(await post('/', ['GET'], { base64: true })).toEqual({
      status: 400,
      json: { error: expect.stringMatching(/^ERR wrong number of arguments/) },
    })
  })

  it('base64-encodes every string in a result, nested arrays included, but not numbers or null', async () => {
    const set = await post('/', ['SET', k('s'), 'héllo', 'EX', 60], { base64: true })
    expect(set).toEqual({ status: 200, json: { result: b64('OK') } })
    await post('/', ['RPUSH', k('l'), 'a', 'é', '🎉'])
    expect(await post('/', ['LRANGE', k('l'), 0, -1], { base64: true })).toEqual({
      status: 200,
      json: { result: ['a', 'é', '🎉'].map(b64) },
    })
    const nested = await post('/', ['EVAL', "return {1, 'x', {2, 'y', {'z'}}}", 0], { base64: true })
    expect(nested).toEqual({ status: 200, json: { result: [1, b64('x'), [2, b64('y'), [b64('z')]]] } })
    expect(await post('/', ['GET', k('missing')], { base64: true })).toEqual({ status: 200, json: { result: null } })
    expect(await post('/', ['GET', k('s')])).toEqual({ status: 200, json: { result: 'héllo' } })
    expect(await post('/', ['LRANGE', k('l'), 0, -1])).toEqual({ status: 200, json: { result: ['a', 'é', '🎉'] } })
  })

  it('returns per-command results and errors for a pipeline', async () => {
    const { status, json } = await post(
      '/pipeline',
      [
        ['SET', k('p'), 'text'],
        ['INCR', k('p')],
        ['GET', k('p')],
      ],
      { base64: true },
    )
    expect(status).toBe(200)
    expect(json).toEqual([
      { result: b64('OK') },
      { error: expect.stringMatching(/^ERR value is not an integer/) },
      { result: b64('text') },
    ])
  })

  it('runs /multi-exec atomically and answers 400 when Redis aborts the transaction', async () => {
    const ok = await post('/multi-exec', [
      ['INCR', k('m')],
      ['INCR', k('m')],
      ['HSET', k('m'), 'f', 'v'],
    ])
    expect(ok).toEqual({
      status: 200,
      json: [{ result: 1 }, { result: 2 }, { error: expect.stringMatching(/^WRONGTYPE/) }],
    })
    const aborted = await post('/multi-exec', [['INCR', k('m')], ['NOSUCHCOMMAND']])
    expect(aborted).toEqual({ status: 400, json: { error: expect.stringMatching(/^EXECABORT .*unknown command/) } })
    expect(await post('/', ['GET', k('m')])).toEqual({ status: 200, json: { result: '2' } })
  })

  it('answers 413 on a body over 1 MiB, declared or streamed', async () => {
    const oversize = JSON.stringify(['SET', k('big'), 'x'.repeat(MAX_BODY_BYTES)])
    expect(await post('/', oversize, { raw: true })).toEqual({
      status: 413,
      json: { error: expect.stringMatching(/^ERR /) },
    })
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES) return controller.close()
        sent += chunk.length
        controller.enqueue(chunk)
      },
    })
    const response = await fetch(`${bridge().url}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge().token}` },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
    expect(await post('/', ['EXISTS', k('big')])).toEqual({ status: 200, json: { result: 0 } })
  })

  it('answers 405 on other methods and 404 on unknown paths', async () => {
    const get = await fetch(`${bridge().url}/`, { headers: { authorization: `Bearer ${bridge().token}` } })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(await get.json()).toEqual({ error: expect.any(String) })
    expect((await fetch(`${bridge().url}/pipeline`, { method: 'PUT', body: '[]' })).status).toBe(405)
    expect(await post('/get/key', [])).toEqual({ status: 404, json: { error: expect.any(String) } })
    expect(await post('//pipeline', [['PING']])).toEqual({ status: 404, json: { error: expect.any(String) } })
  })

  it('keeps serving after bad input', async () => {
    await Promise.all([
      post('/', '{', { raw: true }),
      post('/', '\u0000\uffff', { raw: true }),
      post('/pipeline', [[]]),
      post('/multi-exec', 'null', { raw: true }),
    ])
    expect(await post('/', ['ECHO', 'still here'])).toEqual({ status: 200, json: { result: 'still here' } })
  })
})
