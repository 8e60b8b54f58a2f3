import type { MetricsQuery, MetricsRead, MetricsRecord } from './store.js'

/**
 * One flush of fleet metrics as one Lua script: Redis runs it atomically and counts it as one
 * command from the client (Upstash bills it as one), where HINCRBY per field, PEXPIRE, HINCRBY,
 * PEXPIRE, PFADD and PEXPIRE were a dozen or more. The three keys share the `{metrics}` hash
 * tag, so in Cluster they live in one slot, as a script's keys must.
 *
 * KEYS: the counter hash, the instances hash, the users' HyperLogLog.
 * ARGV: TTL in ms, the instance's member, n, then n field/delta pairs, then the users.
 * Returns n, the counter fields it added to.
 */
export const RECORD_METRICS_SCRIPT = `
local ttl, member, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 4, 3 + 2 * n, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
if n > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('HINCRBY', KEYS[2], member, 1)
redis.call('PEXPIRE', KEYS[2], ttl)
local first = 4 + 2 * n
-- unpack() is bounded by Lua's C stack (about 8,000 values): PFADD in chunks
for i = first, #ARGV, 1000 do
  redis.call('PFADD', KEYS[3], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
if #ARGV >= first then redis.call('PEXPIRE', KEYS[3], ttl) end
return n
`

/**
 * KEYS and ARGV for RECORD_METRICS_SCRIPT. Refuses a delta HINCRBY would refuse before anything
 * is sent: a script that failed half-way would have added the fields before the bad one.
 */
export function recordMetricsArguments(record: MetricsRecord): { keys: string[]; args: string[] } {
  const deltas = checkedDeltas(record.counters.deltas)
  return {
    keys: [record.counters.key, record.instances.key, record.users.key],
    args: [
      String(ttlOf(record.ttlMs)),
      record.instances.member,
      String(deltas.length),
      ...deltas.flatMap(([field, delta]) => [field, String(delta)]),
      ...record.users.members,
    ],
  }
}

/** The deltas as [field, delta] pairs, each a safe integer (HINCRBY takes nothing else). */
export function checkedDeltas(deltas: Record<string, number>): [string, number][] {
  const pairs = Object.entries(deltas)
  const bad = pairs.find(([, delta]) => !Number.isSafeInteger(delta))
  if (bad) throw new RangeError(`metrics: ${bad[0]} must be an integer delta, got ${bad[1]}`)
  return pairs
}

/** PEXPIRE wants a positive whole number of milliseconds. */
export function ttlOf(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs))
}

/**
 * A report's read as one script, where a pipeline was 48 HGETALL and a PFCOUNT (49 billed
 * commands on Upstash, per report or scrape). KEYS: n counter hashes, n instance hashes, n
 * HyperLogLogs; ARGV[1]: n. Returns the 2n hashes as Redis sends HGETALL, then the count.
 */
export const READ_METRICS_SCRIPT = `
local n = tonumber(ARGV[1])
local out = {}
for i = 1, 2 * n do out[i] = redis.call('HGETALL', KEYS[i]) end
out[2 * n + 1] = n > 0 and redis.call('PFCOUNT', unpack(KEYS, 2 * n + 1, 3 * n)) or 0
return out
`

/** KEYS and ARGV for READ_METRICS_SCRIPT; the three lists must be as long as one another. */
export function readMetricsArguments({ counters, instances, users }: MetricsQuery): { keys: string[]; args: string[] } {
  if (instances.length !== counters.length || users.length !== counters.length)
    throw new RangeError('metrics: readMetrics takes as many counter, instance and user keys')
  return { keys: [...counters, ...instances, ...users], args: [String(counters.length)] }
}

/** READ_METRICS_SCRIPT's reply: [field, value, …] per hash, then the distinct count. */
export function readMetricsReply(reply: unknown, hashes: number): MetricsRead {
  const parts = reply as (string[] | number)[]
  const fields = parts.slice(0, 2 * hashes).map((flat) => {
    const pairs = flat as string[]
    const hash: Record<string, number> = {}
    for (let i = 0; i < pairs.length; i += 2) hash[pairs[i]!] = Number(pairs[i + 1])
    return hash
  })
  return {
    counters: fields.slice(0, hashes),
    instances: fields.slice(hashes),
    distinct: Number(parts[2 * hashes] ?? 0),
  }
}
