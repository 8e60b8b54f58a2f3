import { EventEmitter } from 'node:events'
import { LRUCache } from 'lru-cache'
import type { Store } from '../store.js'

export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used go first. */
  maxSize?: number
}

/**
 * The single-instance store: an lru-cache in this process. Several engines in one process may
 * share one MemoryStore (and see each other's broadcasts); separate processes never do.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const entries = new LRUCache<string, string>({ max: options.maxSize ?? 10_000, ttlAutopurge: false })
  const channels = new EventEmitter().setMaxListeners(0)
  return {
    backend: 'memory',
    async get(key) {
      return entries.get(key) ?? null
    },
    async set(key, value, { ttlMs, onlyIfAbsent }) {
      if (onlyIfAbsent && entries.has(key)) return false
      entries.set(key, value, { ttl: Math.max(1, Math.ceil(ttlMs)) })
      return true
    },
    async delete(key) {
      entries.delete(key)
    },
    async publish(channel, message) {
      // Asynchronous like a real broker: a publisher never runs subscribers inside its own call.
      setImmediate(() => channels.emit(channel, message))
    },
    async subscribe(channel, { onMessage, onListening }) {
      channels.on(channel, onMessage)
      onListening?.(true)
      return async () => void channels.off(channel, onMessage)
    },
    async close() {
      entries.clear()
      channels.removeAllListeners()
    },
  }
}
