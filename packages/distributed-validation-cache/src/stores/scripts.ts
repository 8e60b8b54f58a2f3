import type { ReadOrLock } from './store.js'

/**
 * The miss path's two scripts, one text for every Redis-speaking store (Redis over TCP, Upstash
 * over REST, which bills a script as one command). KEYS: the user's entry, then lock (one hash tag).
 *
 * readOrLock — ARGV: token, lock TTL ms, lock-below ms. An entry with a longer PTTL is returned
 * alone; otherwise the lock is tried (SET NX PX) in the same round trip. The L2 TTL is freshUntil +
 * grace, so "PTTL ≤ grace + margin" means "fresh for at most the margin": refresh-ahead.
 */
export const READ_OR_LOCK = `
local v = redis.call('GET', KEYS[1])
if v and redis.call('PTTL', KEYS[1]) > tonumber(ARGV[3]) then return {v, 'skipped'} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {v, 'acquired'} end
return {v, 'held'}
`

/**
 * fill — ARGV: value, TTL ms, token, channel, message. Only while the lock still holds this token:
 * then the entry is written, the lock released and the fill published ('' channel: none) so nobody
 * else needs a GET; 1. Otherwise nothing is touched; 0. A lock that is gone or another's means the
 * fill is no longer ordered against the fleet's changes — a change's writer may have taken it
 * meanwhile (the holder outlived it, or a Redis writer DELeted it) and written a newer state that
 * this read, sent earlier, must not overwrite.
 */
export const FILL = `
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1
`

/** The fill script's reply: whether it wrote. */
export function fillReply(reply: unknown): boolean {
  if (reply === 1 || reply === 0) return reply === 1
  throw new Error(`unexpected fill reply: ${String(reply)}`)
}

/**
 * beat — KEYS: the fleet's lease, the change log. ARGV: origin, lease ms, head, channel, message.
 * The fleet heartbeat's one command (fleet/heartbeat.ts): held while another instance leads;
 * otherwise the lease is taken or kept, and the signed beat published only if the log's newest
 * entry is the head the leader signed (else `moved`: the leader reads the log first).
 */
export const BEAT = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 'held' end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local head = '0'
if last[1] then head = last[1][1] end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if head ~= ARGV[3] then return 'moved' end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 'sent'
`

/** The beat script's reply, checked. */
export function beatReply(reply: unknown): 'sent' | 'moved' | 'held' {
  if (reply === 'sent' || reply === 'moved' || reply === 'held') return reply
  throw new Error(`unexpected beat reply: ${String(reply)}`)
}

/** Milliseconds as Redis wants them in PX: a positive integer. */
export const px = (ms: number): number => Math.max(1, Math.ceil(ms))

/** readOrLock's reply, whatever shape the client hands it over in. */
export function readOrLockReply(reply: unknown): ReadOrLock {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected readOrLock reply: ${String(reply)}`)
  const [value, lock] = reply as [unknown, unknown]
  if (lock !== 'acquired' && lock !== 'held' && lock !== 'skipped')
    throw new Error(`unexpected readOrLock lock: ${String(lock)}`)
  return { value: value === null || value === undefined ? null : String(value), lock }
}
