import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
export { waitFor } from '../../src/testing/wait-for.js'
import { waitFor } from '../../src/testing/wait-for.js'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Up means answering PING, with PONG or, behind a password, NOAUTH. Raw RESP: no client quirks. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    const done = (up: boolean) => {
      socket.destroy()
      resolve(up)
    }
    socket.setTimeout(300, () => done(false))
    socket.once('error', () => done(false))
    socket.once('data', (reply) => done(/^(\+PONG|-NOAUTH)/.test(reply.toString())))
    socket.write('PING\r\n')
  })
}

/**
 * A redis-server of the test's own, on a free port, that the test may kill, pause or restart.
 * Only this process is ever signalled, by its PID; the shared Redis on 6379 is never touched.
 */
export class OwnRedisServer {
  #process: ChildProcess | undefined
  readonly dir = mkdtempSync(join(tmpdir(), 'dvc-redis-'))
  /** Not started yet: call start(), or use the static start() that does both. */
  constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  /**
   * On a free port, tried again on another when the first is lost to a race (a port found free
   * and taken before redis-server binds it, or a Cluster bus port, port + 10000, already in use).
   */
  static async start(extraArgs: string[] = [], port?: number): Promise<OwnRedisServer> {
    for (let attempt = 1; ; attempt++) {
      const server = new OwnRedisServer(port ?? (await freePort()), extraArgs)
      try {
        await server.start()
        return server
      } catch (error) {
        await server.stop()
        if (port !== undefined || attempt === 3) throw error
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get pid(): number | undefined {
    return this.#process?.pid
  }

  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      ...this.extraArgs,
    ]
    // Sentinel takes its (writable) config file as the first argument.
    if (this.extraArgs.includes('--sentinel')) args.unshift(join(this.dir, 'sentinel.conf'))
    const child = (this.#process = spawn('redis-server', args, { stdio: 'ignore' }))
    // A server that cannot bind exits at once: say so, instead of polling a dead port.
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`redis-server on port ${this.port} exited (${code}) before answering`)),
      ),
    )
    const answering = waitFor(() => ping(this.port), { timeoutMs: 15_000, what: `redis-server on port ${this.port}` })
    for (const settled of [exited, answering]) settled.catch(() => undefined)
    await Promise.race([answering, exited])
  }

  /** SIGKILL: the connection drops at once, as when a host dies. */
  async kill(): Promise<void> {
    const child = this.#process
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  /** SIGSTOP: the socket stays open but nothing answers, so commands hang. */
  pause(): void {
    this.#process?.kill('SIGSTOP')
  }

  resume(): void {
    this.#process?.kill('SIGCONT')
  }

  async stop(): Promise<void> {
    this.resume()
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * A redis-server that takes TLS (self-signed certificate for 127.0.0.1) and a password. Its
 * plain port only serves the readiness check; clients use `url`.
 */
export async function startTlsServer(
  password: string,
): Promise<{ server: OwnRedisServer; url: string; ca: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'dvc-tls-'))
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  )
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`)
  const tlsPort = await freePort()
  const server = await OwnRedisServer.start([
    '--tls-port',
    String(tlsPort),
    '--tls-cert-file',
    cert,
    '--tls-key-file',
    key,
    '--tls-ca-cert-file',
    cert,
    '--tls-auth-clients',
    'no',
    '--requirepass',
    password,
  ])
  return {
    server,
    url: `rediss://:${encodeURIComponent(password)}@127.0.0.1:${tlsPort}`,
    ca: readFileSync(cert, 'utf8'),
    stop: async () => {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A master and one Sentinel monitoring it as "mymaster" (quorum 1), both on free ports. */
export async function startSentinel(): Promise<{
  master: OwnRedisServer
  sentinel: OwnRedisServer
  url: string
  stop: () => Promise<void>
}> {
  const master = await OwnRedisServer.start()
  const port = await freePort()
  const sentinel = new OwnRedisServer(port, ['--sentinel'])
  writeFileSync(
    join(sentinel.dir, 'sentinel.conf'),
    `sentinel monitor mymaster 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds mymaster 5000\n`,
  )
  await sentinel.start()
  return {
    master,
    sentinel,
    url: `redis+sentinel://127.0.0.1:${port}/mymaster`,
    stop: async () => void (await Promise.all([sentinel.stop(), master.stop()])),
  }
}

/**
 * Three masters on free ports, joined with `redis-cli --cluster create`, each with `replicas`
 * replicas (a failover test needs one). The URL names the masters; ioredis discovers the rest.
 */
export async function startCluster(
  replicas = 0,
): Promise<{ nodes: OwnRedisServer[]; url: string; stop: () => Promise<void> }> {
  const count = 3 * (1 + replicas)
  const nodes = await Promise.all(
    Array.from({ length: count }, () =>
      OwnRedisServer.start([
        '--cluster-enabled',
        'yes',
        '--cluster-node-timeout',
        '2000',
        '--repl-diskless-sync-delay',
        '0',
      ]),
    ),
  )
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`)
  const created = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
    { encoding: 'utf8' },
  )
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`)
  await waitFor(
    async () => {
      const states = nodes.map((n) => clusterCommand(n.port, 'cluster', 'info'))
      return states.every((s) => s.includes('cluster_state:ok'))
    },
    { timeoutMs: 15_000, what: 'cluster_state:ok on every node' },
  )
  // A failover test needs replicas that every node knows of and that have synced.
  await waitFor(
    () =>
      nodes.every((n) => (clusterCommand(n.port, 'cluster', 'nodes').match(/slave/g) ?? []).length === 3 * replicas) &&
      nodes.every(
        (n) =>
          !clusterCommand(n.port, 'info', 'replication').includes('role:slave') ||
          clusterCommand(n.port, 'info', 'replication').includes('master_link_status:up'),
      ),
    { timeoutMs: 15_000, what: 'every replica known and in sync' },
  )
  return {
    nodes,
    url: `redis://${addresses.slice(0, 3).join(',')}?cluster=true`,
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  }
}

/** One redis-cli command against one node of a test's own cluster; its stdout. */
export function clusterCommand(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout
}
