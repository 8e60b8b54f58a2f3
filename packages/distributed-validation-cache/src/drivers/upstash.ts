/**
 * `distributed-validation-cache/upstash`: the Upstash REST store, with its SSE subscription. Needs
 * `@upstash/redis`.
 */
export { upstashStore, type UpstashStoreOptions } from '../stores/upstash.js'
