import ms from 'ms'

export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd'

/**
 * A duration in code: milliseconds as a number, or a number and a unit — `"5 m"`, `"300 s"`,
 * `"1 h"`, `"500ms"`. A bare number in a string (`"300"`) is refused here: it means seconds only
 * in environment variables, where TTLs are written that way (`parseDuration(v, { bareSeconds })`).
 */
export type Duration = number | `${number} ${DurationUnit}` | `${number}${DurationUnit}`

/**
 * Parses a duration: a number is milliseconds; a string takes a unit (what `ms` reads: "5 m",
 * "300s", "24h", "5 min"), or, with `bareSeconds`, a bare number of seconds. Returns undefined
 * when the input is not a non-negative, finite duration, so callers decide how to report it.
 */
export function parseDuration(input: unknown, { bareSeconds = false } = {}): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined
  if (typeof input !== 'string') return undefined
  const text = input.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return bareSeconds ? Number(text) * 1000 : undefined
  if (!/^\d/.test(text)) return undefined // ms() accepts "-5m" and ".5s"; env files should not
  const value = ms(text as ms.StringValue)
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
}

/** A duration option in milliseconds, or a TypeError naming the option and what it takes. */
export function toMs(input: Duration, name: string): number {
  const value = parseDuration(input)
  if (value !== undefined) return value
  const bare = typeof input === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(input)
  const hint = bare ? `; a bare number in a string is seconds only in env variables: write "${input.trim()} s"` : ''
  throw new TypeError(
    `${name} must be a duration like 300000 (ms), "300 s" or "5 m" (got ${JSON.stringify(input)})${hint}`,
  )
}
