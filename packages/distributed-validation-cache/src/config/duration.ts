import ms from 'ms'

/** A duration: milliseconds as a number, or a string like "300" (seconds), "5 m", "300s", "24h", "500ms". */
export type Duration = number | `${number}` | `${number}${string}`

/**
 * Parses a duration. A bare number string means seconds (how people write TTLs in env files);
 * a bare number value means milliseconds (how code passes them). Returns undefined when the
 * input is not a non-negative, finite duration, so callers decide how to report it.
 */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined
  if (typeof input !== 'string') return undefined
  const text = input.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  if (!/^\d/.test(text)) return undefined // ms() accepts "-5m" and ".5s"; env files should not
  const value = ms(text as ms.StringValue)
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
}

export function toMs(input: Duration, name: string): number {
  const value = parseDuration(input)
  if (value === undefined)
    throw new TypeError(`${name} must be a duration like 300000, "300", "5 m" or "300s" (got ${JSON.stringify(input)})`)
  return value
}
