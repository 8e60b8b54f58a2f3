import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { startBridge, type Bridge } from 'upstash-rest-bridge'
import type { Store } from '../src/stores/store.js'
import { memoryStore } from '../src/stores/memory.js'
import { redisStore } from '../src/stores/redis.js'
import { upstashStore } from '../src/stores/upstash.js'
import { freePort, startCluster, startSentinel, startTlsServer } from './support/redis-server.js'
import { describeStoreConformance, type StoreUnderTest } from '../src/testing/store-conformance.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

// One suite, every built-in store: the one the package exports for third-party stores.

const redisUp = await redisAvailable()

let cluster: Awaited<ReturnType<typeof startCluster>> | undefined
let sentinel: Awaited<ReturnType<typeof startSentinel>> | undefined
let tls: Awaited<ReturnType<typeof startTlsServer>> | undefined
const tlsPassword = `p@ss/${randomUUID()}`
let bridge: Bridge | undefined
const opened: Store[] = []
const track = <S extends Store>(store: S) => (opened.push(store), store)

const memory = memoryStore()
// A third-party store that implements only the core contract: the metrics tests skip, visibly.
const { get, set, delete: del, publish, subscribe, appendLog, readLog, close } = memory
const coreOnly: Store = { backend: 'core-only', get, set, delete: del, publish, subscribe, appendLog, readLog, close }
const backends: StoreUnderTest[] = [
  { name: 'memory', connect: () => memory, broken: null },
  { name: 'a core-only third-party store', connect: () => coreOnly, broken: null },
  ...(redisUp
    ? [
        {
          name: 'redis',
          connect: () => track(redisStore(REDIS_URL)),
          broken: async () => track(redisStore(`redis://127.0.0.1:${await freePort()}`, { connectTimeoutMs: 200 })),
        },
        {
          name: 'redis-cluster',
          connect: () => track(redisStore(cluster!.url)),
          broken: async () =>
            track(
              redisStore(`redis://127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}?cluster=true`, {
                connectTimeoutMs: 200,
              }),
            ),
        },
        {
          name: 'redis over TLS with a password',
          connect: () => track(redisStore(tls!.url, { tls: { ca: tls!.ca } })),
          // Right server, wrong password: every command must fail, not hang.
          broken: async () =>
            track(redisStore(tls!.url.replace(encodeURIComponent(tlsPassword), 'wrong'), { tls: { ca: tls!.ca } })),
        },
        {
          name: 'redis-sentinel',
          connect: () => track(redisStore(sentinel!.url)),
          broken: async () =>
            track(redisStore(`redis+sentinel://127.0.0.1:${await freePort()}/mymaster`, { connectTimeoutMs: 200 })),
        },
        {
          name: 'upstash (via upstash-rest-bridge)',
          connect: () => track(upstashStore({ url: bridge!.url, token: bridge!.token })),
          broken: async () => track(upstashStore({ url: bridge!.url, token: 'wrong-token' })),
        },
      ]
    : []),
]

beforeAll(async () => {
  if (!redisUp) return
  cluster = await startCluster()
  sentinel = await startSentinel()
  tls = await startTlsServer(tlsPassword)
  bridge = await startBridge({ redisUrl: REDIS_URL, token: `token-${randomUUID()}` })
})

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()))
  await bridge?.close()
  await cluster?.stop()
  await sentinel?.stop()
  await tls?.stop()
})

for (const backend of backends) describeStoreConformance(backend)
