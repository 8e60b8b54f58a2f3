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
