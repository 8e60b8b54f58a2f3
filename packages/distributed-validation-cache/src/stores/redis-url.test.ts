import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { parseRedisUrl, redactUrl } from './redis-url.js'

const PASSWORD = 'S3cr3t-p4ss'

describe('parseRedisUrl: accepted forms', () => {
  it('redis://host → single node, default port 6379, db 0, no TLS, no credentials', () => {
    expect(parseRedisUrl('redis://cache.internal')).toEqual({
      mode: 'single',
      nodes: [{ host: 'cache.internal', port: 6379 }],
      db: 0,
      tls: false,
    })
  })

  it('redis://host:6380/2 → port and db', () => {
    expect(parseRedisUrl('redis://cache:6380/2')).toEqual({
      mode: 'single',
      nodes: [{ host: 'cache', port: 6380 }],
      db: 2,
      tls: false,
    })
  })

  it('redis://:pass@host → password only', () => {
    const c = parseRedisUrl(`redis://:${PASSWORD}@cache`)
    expect(c.password).toBe(PASSWORD)
    expect(c).not.toHaveProperty('username')
  })

  it('redis://user:pass@host decodes a URL-encoded password containing @ and :', () => {
    const raw = 'p@ss:w0rd/x'
    const c = parseRedisUrl(`redis://alice:${encodeURIComponent(raw)}@cache:6379/1`)
    expect(c).toMatchObject({ username: 'alice', password: raw, db: 1, nodes: [{ host: 'cache', port: 6379 }] })
  })

  it('rediss:// and ?tls=true turn TLS on', () => {
    expect(parseRedisUrl('rediss://cache').tls).toBe(true)
    expect(parseRedisUrl('redis://cache?tls=true').tls).toBe(true)
    expect(parseRedisUrl('redis://cache?tls=false').tls).toBe(false)
  })

  it('reads a bracketed IPv6 address with and without a port', () => {
    expect(parseRedisUrl('redis://[::1]:6379').nodes).toEqual([{ host: '::1', port: 6379 }])
    expect(parseRedisUrl('redis://[2001:db8::7]').nodes).toEqual([{ host: '2001:db8::7', port: 6379 }])
  })

  it('redis+sentinel:// → sentinel mode with master name and db', () => {
    expect(parseRedisUrl('redis+sentinel://s1:26379,s2:26380/mymaster/3')).toEqual({
      mode: 'sentinel',
      nodes: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      db: 3,
      tls: false,
      masterName: 'mymaster',
    })
  })

  it('redis+sentinel://pass@s1/mymaster → password before @, default sentinel port 26379', () => {
    const c = parseRedisUrl(`redis+sentinel://${PASSWORD}@s1/mymaster`)
    expect(c).toMatchObject({
      mode: 'sentinel',
      password: PASSWORD,
      masterName: 'mymaster',
      db: 0,
      nodes: [{ host: 's1', port: 26379 }],
    })
    expect(c).not.toHaveProperty('username')
    expect(parseRedisUrl('rediss+sentinel://s1/m').tls).toBe(true)
  })

  it('?cluster=true with several hosts → cluster mode', () => {
    expect(parseRedisUrl('redis://n1:7000,n2:7000,n3:7000?cluster=true')).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7000 },
        { host: 'n3', port: 7000 },
      ],
      db: 0,
      tls: false,
    })
  })
})

function configErrorOf(url: string): ConfigError {
  try {
    parseRedisUrl(url)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`expected ${url} to be rejected`)
}

describe('parseRedisUrl: rejected forms', () => {
  it.each([
    ['http://x', /must look like redis:\/\//],
    [`redis://:${PASSWORD}@n1:7000,n2:7000`, /several hosts.*cluster=true/],
    [`redis+sentinel://${PASSWORD}@s1:26379,s2:26379`, /needs the master name/],
    [`redis://:${PASSWORD}@cache:0`, /bad host:port "cache:0"/],
    [`redis://:${PASSWORD}@cache:70000`, /bad host:port "cache:70000"/],
    [`redis://:${PASSWORD}@cache:abc`, /bad host:port "cache:abc"/],
    [`redis://:${PASSWORD}@cache/abc`, /bad database number "abc"/],
    [`redis://:${PASSWORD}@cache/-1`, /bad database number "-1"/],
    [`redis://:${PASSWORD}@cache/1.5`, /bad database number "1.5"/],
    [`redis://:${PASSWORD}@n1:7000,n2:7000/2?cluster=true`, /Redis Cluster does not support/],
  ])('%s → one-line ConfigError naming REDIS_URL without the password', (url, expected) => {
    const error = configErrorOf(url)
    expect(error.message).toMatch(expected)
    expect(error.message).toMatch(/^Invalid configuration: REDIS_URL /)
    expect(error.message).not.toContain('\n')
    expect(error.message).not.toContain(PASSWORD)
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]?.variable).toBe('REDIS_URL')
  })

  it('names the variable it was given', () => {
    expect(() => parseRedisUrl('http://x', 'CACHE_URL')).toThrow(/^Invalid configuration: CACHE_URL /)
  })

  // Pasted passwords hold unencoded '/', '@', '+' and '%' (base64, generated secrets): they are
  // read up to the last '@' and taken literally, never echoed.
  it.each([
    ['redis://:ab/cd+ef@cache', 'ab/cd+ef'],
    ['redis://user:p@ss@cache:6380', 'p@ss'],
    ['redis://:100%pure@cache', '100%pure'],
  ])('takes the password in %s literally and redacts all of it', (url, password) => {
    expect(parseRedisUrl(url)).toMatchObject({ password, nodes: [{ host: 'cache' }] })
    expect(redactUrl(url)).not.toContain(password.slice(1))
  })
})

describe('redactUrl', () => {
  it.each([
    [`redis://:${PASSWORD}@cache`, 'redis://:****@cache'],
    [`redis://alice:${PASSWORD}@cache:6380/2`, 'redis://alice:****@cache:6380/2'],
    [`redis://alice:${encodeURIComponent('p@ss:w0rd')}@cache`, 'redis://alice:****@cache'],
    [`rediss://:${PASSWORD}@cache?tls=true`, 'rediss://:****@cache?tls=true'],
    [`redis://:${PASSWORD}@[::1]:6379`, 'redis://:****@[::1]:6379'],
    [`redis+sentinel://${PASSWORD}@s1:26379,s2:26379/mymaster/0`, 'redis+sentinel://****@s1:26379,s2:26379/mymaster/0'],
    [`rediss+sentinel://${PASSWORD}@s1/mymaster`, 'rediss+sentinel://****@s1/mymaster'],
    [`redis://:${PASSWORD}@n1:7000,n2:7000,n3:7000?cluster=true`, 'redis://:****@n1:7000,n2:7000,n3:7000?cluster=true'],
    [`postgres://pg:${PASSWORD}@db/app`, 'postgres://pg:****@db/app'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected)
    expect(redactUrl(url)).not.toContain(PASSWORD)
  })

  it('leaves URLs without credentials unchanged', () => {
    for (const url of ['redis://cache', 'redis://cache:6380/2', 'redis+sentinel://s1,s2/m', 'https://x.upstash.io'])
      expect(redactUrl(url)).toBe(url)
  })
})

describe('query parameters and passwords with URL delimiters', () => {
  // Each input says whether it parses: a check that ran only on throwing inputs proved nothing of the others.
  it.each([
    ['redis://:s3cr?t@host:6379', 's3cr?t', 'parses'],
    ['redis://user:pa#ss@host', 'pa#ss', 'parses'],
    ['redis://:a?b#c@host:abc', 'a?b#c', 'throws'],
  ] as const)('never prints any part of the password in %s, and takes it whole', (url, password, outcome) => {
    expect(redactUrl(url)).not.toContain(password.slice(1))
    if (outcome === 'parses') {
      // The delimiter is part of the password, not the start of a query or fragment.
      expect(parseRedisUrl(url)).toMatchObject({ password, nodes: [{ host: 'host', port: 6379 }] })
    } else {
      expect(() => parseRedisUrl(url)).toThrow(/bad host:port/)
      expect(() => parseRedisUrl(url)).not.toThrow(password.slice(1))
    }
  })

  it.each(['ssl=true', 'ssl=1', 'tls=yes', 'tls=true'])('?%s turns TLS on', (query) => {
    expect(parseRedisUrl(`redis://cache:6380?${query}`).tls).toBe(true)
  })

  it('refuses an unknown parameter rather than ignoring it', () => {
    expect(() => parseRedisUrl('redis://:pw@cache?sslmode=require')).toThrow(
      /unknown parameter "sslmode" \(supported: cluster, tls, ssl\)/,
    )
  })
})
