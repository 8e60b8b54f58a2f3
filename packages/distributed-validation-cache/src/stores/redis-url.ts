import { ConfigError } from '../errors.js'

export interface RedisConnection {
  mode: 'single' | 'sentinel' | 'cluster'
  nodes: { host: string; port: number }[]
  username?: string
  password?: string
  db: number
  tls: boolean
  /** Sentinel only: the monitored master's name. */
  masterName?: string
}

// Auth runs to the LAST '@': passwords often hold unencoded '/', '@' or '+' (base64), and
// cutting at the first one would print part of the password as a "host" in errors.
const SHAPE = /^(redis|rediss|redis\+sentinel|rediss\+sentinel):\/\/(?:(.*)@)?([^/?#@]+)(\/[^?#@]*)?(\?[^#@]*)?$/
const PARAMETERS = ['cluster', 'tls', 'ssl']
const truthy = (value: string | null) => ['true', '1', 'yes'].includes(value ?? '')

/**
 * Parses the REDIS_URL forms people deploy with (seed 004):
 * `redis://[user:pass@]host:6379[/db]`, `rediss://…` (TLS),
 * `redis+sentinel://[pass@]s1:26379,s2:26379/mymaster[/db]`, and
 * `redis://n1:7000,n2:7000,n3:7000?cluster=true`. WHATWG URL cannot hold several hosts, hence the regex.
 */
export function parseRedisUrl(url: string, variable = 'REDIS_URL'): RedisConnection {
  const fail = (message: string): never => {
    throw new ConfigError([{ variable, message: `${message} (got ${redactUrl(url)})` }])
  }
  const match = SHAPE.exec(url.trim())
  if (!match)
    return fail(
      'must look like redis://[:password@]host:6379[/db], rediss://…, redis+sentinel://host:26379/master ' +
        'or redis://h1:7000,h2:7000?cluster=true',
    )
  const [, scheme = '', auth, hostList = '', path = '', query = ''] = match
  const nodes = hostList.split(',').map((hostPort) => {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort) // IPv6
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : hostPort.split(':')
    const portNumber =
      port === undefined || port === ''
        ? scheme.includes('sentinel')
          ? 26379
          : 6379
        : /^\d+$/.test(port)
          ? Number(port)
          : NaN
    if (!host || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535)
      fail(`has a bad host:port "${hostPort}"`)
    return { host: host!, port: portNumber }
  })
  const [username, password] = auth === undefined ? [] : splitAuth(auth)
  const params = new URLSearchParams(query)
  const segments = path.split('/').filter(Boolean)
  const sentinel = scheme.includes('sentinel')
  const unknown = [...params.keys()].find((name) => !PARAMETERS.includes(name))
  // An ignored "?ssl=true" would send the password in clear text: refuse what we do not understand.
  if (unknown !== undefined) fail(`has an unknown parameter "${unknown}" (supported: ${PARAMETERS.join(', ')})`)
  const cluster = !sentinel && truthy(params.get('cluster'))
  if (sentinel && !segments[0])
    fail('needs the master name after the sentinel hosts, e.g. redis+sentinel://s1:26379/mymaster')
  if (!sentinel && !cluster && nodes.length > 1)
    fail('lists several hosts: add ?cluster=true for a Redis Cluster, or use redis+sentinel://')
  const dbText = sentinel ? segments[1] : segments[0]
  const db = dbText === undefined ? 0 : Number(dbText)
  if (!Number.isInteger(db) || db < 0) fail(`has a bad database number "${dbText}"`)
  if (cluster && db !== 0) fail('selects a database, which Redis Cluster does not support')
  return {
    mode: sentinel ? 'sentinel' : cluster ? 'cluster' : 'single',
    nodes,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    db,
    tls: scheme.startsWith('rediss') || truthy(params.get('tls')) || truthy(params.get('ssl')),
    ...(sentinel ? { masterName: decodeURIComponent(segments[0]!) } : {}),
  }
}

function splitAuth(auth: string): [string | undefined, string | undefined] {
  const colon = auth.indexOf(':')
  if (colon === -1) return [undefined, decode(auth)] // redis://password@host, as Sentinel URLs are written
  return [decode(auth.slice(0, colon)) || undefined, decode(auth.slice(colon + 1)) || undefined]
}

// A '%' that is not an escape is far more likely a literal in a pasted password than an error.
function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The URL with any password replaced, fit for logs and error messages. Runs before any parsing. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)(.*)@/i, (_, scheme: string, auth: string) => {
    const colon = auth.indexOf(':')
    return `${scheme}${colon === -1 ? '****' : `${auth.slice(0, colon)}:****`}@`
  })
}
