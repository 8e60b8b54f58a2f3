import { utf8 } from './base64url.js'

/** HMAC-SHA256 and SHA-256, raw bytes: what signing.ts needs of a crypto library. */
export interface Hmac {
  readonly name: 'node:crypto' | 'web-crypto'
  mac(secret: string, payload: string): Promise<Uint8Array>
  /** Whether `mac` is `payload`'s, in constant time. */
  check(secret: string, payload: string, mac: Uint8Array<ArrayBuffer>): Promise<boolean>
  sha256(text: string): Promise<Uint8Array>
}

/** Web Crypto: every runtime has it, the Edge runtime nothing else. Async, on Node's thread pool. */
export const webCryptoHmac: Hmac = {
  name: 'web-crypto',
  async mac(secret, payload) {
    return new Uint8Array(await crypto.subtle.sign('HMAC', await keyFor(secret), utf8(payload)))
  },
  async check(secret, payload, mac) {
    return crypto.subtle.verify('HMAC', await keyFor(secret), mac, utf8(payload))
  },
  async sha256(text) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text)))
  },
}

type NodeCrypto = typeof import('node:crypto')

/**
 * node:crypto where the runtime offers it without an import (`process.getBuiltinModule`, Node
 * ≥ 20.16): synchronous, ~20× faster than Web Crypto's thread-pool round trip, and never a Node
 * import a bundler would follow into Edge code. Through `globalThis`, which bundlers do not flag.
 */
function nodeCryptoHmac(): Hmac | undefined {
  const global = globalThis as { EdgeRuntime?: unknown; process?: { getBuiltinModule?: (id: string) => unknown } }
  if (global.EdgeRuntime !== undefined) return undefined // Next's Edge `process` throws on what it lacks
  let node: NodeCrypto | undefined
  try {
    node = global.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
  } catch {
    return undefined // a runtime whose `process` refuses the question
  }
  if (!node?.createHmac) return undefined
  const mac = (secret: string, payload: string) => node.createHmac('sha256', secret).update(payload).digest()
  return {
    name: 'node:crypto',
    mac: async (secret, payload) => mac(secret, payload),
    check: async (secret, payload, given) => {
      const expected = mac(secret, payload)
      return expected.length === given.length && node.timingSafeEqual(expected, given)
    },
    sha256: async (text) => node.createHash('sha256').update(text).digest(),
  }
}

/** The one this process uses. */
export const hmac: Hmac = nodeCryptoHmac() ?? webCryptoHmac

// Importing a key costs about what a signature does; a process holds a handful of secrets.
const keys = new Map<string, Promise<CryptoKey>>()
const MAX_KEYS = 64

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear() // bounded even if secrets churn (tests make many)
    key = crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    key.catch(() => keys.delete(secret)) // a failed import is not kept: the next call tries again
    keys.set(secret, key)
  }
  return key
}
