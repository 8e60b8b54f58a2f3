/**
 * The shared (L2) store. Deliberately small, so every backend can implement it the same way
 * and one conformance suite can prove it. Values are strings: the cache serializes itself.
 */
export interface Store {
  readonly backend: 'memory' | 'redis' | 'upstash'
  get(key: string): Promise<string | null>
  /** Returns false only when `onlyIfAbsent` is set and the key already existed (SET NX PX). */
  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean>
  delete(key: string): Promise<void>
  /** Broadcast to every instance; resolves when the store accepted the message. */
  publish(channel: string, message: string): Promise<void>
  /**
   * Listens on a channel until the returned function is called. Backends that cannot hold a
   * subscription (Upstash in serverless) return null: lockout then relies on a short L1 TTL.
   * `onGap` runs when messages may have been missed (the subscription reconnected).
   */
  subscribe(channel: string, onMessage: (message: string) => void, onGap?: () => void): Promise<(() => Promise<void>) | null>
  close(): Promise<void>
}
