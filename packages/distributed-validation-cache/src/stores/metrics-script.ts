import type { MetricsRecord } from './store.js'

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
