import type { LogEntry } from './store.js'

type Raw = [id: string, fields: string[]][] | Record<string, Record<string, string>>

/**
 * XRANGE replies as the clients hand them over: ioredis keeps Redis's [[id, [field, value]], …];
 * @upstash/redis turns it into { id: { field: value } }. Only the `e` field is ours.
 */
export function entriesOf(raw: Raw): LogEntry[] {
  if (Array.isArray(raw))
    return raw.map(([id, fields]) => ({ id, entry: String(fields[fields.indexOf('e') + 1] ?? '') }))
  return Object.entries(raw).map(([id, fields]) => ({ id, entry: String(fields.e ?? '') }))
}

/** Stream ids as Redis writes them: milliseconds, then a sequence number (both up to 2^64 - 1). */
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/

/** An id's milliseconds (on the clock of the store that gave it), or undefined for an id of another form. */
export function idMs(id: string): number | undefined {
  const match = STREAM_ID.exec(id)
  return match ? Number(match[1]) : undefined
}

/**
 * The greatest id below `id`: reading the log after it reads `id` itself first, which tells the
 * reader whether the entry under its cursor is still there. Undefined for 0-0 and other forms.
 */
export function idBefore(id: string): string | undefined {
  const match = STREAM_ID.exec(id)
  if (!match) return undefined
  const [ms, seq] = [BigInt(match[1]!), BigInt(match[2]!)]
  if (seq > 0n) return `${ms}-${seq - 1n}`
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : undefined
}

/**
 * Whether a store error says the log itself can take no more appends — another type under its key
 * (someone SET it), or the last possible id used — rather than that the store did not answer. The
 * reply's text as Redis sends it, which ioredis and @upstash/redis both keep in the message.
 */
export function isUnwritableLog(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++)
    if (/WRONGTYPE|exhausted the last possible ID/.test(e.message)) return true
  return false
}

/**
 * Deletes the log (KEYS[1]) if no append can follow in order: another type under its key, or a
 * last id more than ARGV[1] ms ahead of this server's own clock (the max id, or one from the
 * future) — judged by the server, so a client whose clock is off cannot get a good log deleted. One
 * script, so an instance replacing the log never deletes the new one another instance appended to.
 */
export const REPLACE_LOG_SCRIPT = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return 0 end
if kind == 'stream' then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  local last = '0-0'
  for i = 1, #info, 2 do if info[i] == 'last-generated-id' then last = info[i + 1] end end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if (tonumber(string.match(last, '^%d+')) or 0) <= now + tonumber(ARGV[1]) then return 0 end
end
redis.call('DEL', KEYS[1])
return 1
`
