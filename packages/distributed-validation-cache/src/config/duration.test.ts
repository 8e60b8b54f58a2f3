import { describe, expect, it } from 'vitest'
import { parseDuration, toMs, type Duration } from './duration.js'

describe('parseDuration', () => {
  it.each([
    ['300', 300_000], // a bare number string is seconds, as in env files
    ['0', 0],
    ['1.5', 1_500],
    [' 300 ', 300_000],
  ])('reads the env string %j as %d ms (bare seconds)', (input, expected) => {
    expect(parseDuration(input, { bareSeconds: true })).toBe(expected)
    expect(parseDuration(input)).toBeUndefined() // in code, a unit is required
  })

  it.each([
    ['5 m', 300_000],
    ['5m', 300_000],
    ['300s', 300_000],
    ['300 s', 300_000],
    ['24h', 86_400_000],
    ['1 d', 86_400_000],
    ['500ms', 500],
    ['1.5 s', 1_500],
  ])('reads the string %j as %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected)
  })

  it.each([
    [0, 0],
    [250, 250],
    [300_000, 300_000],
    [1.5, 1.5],
  ])('takes the number %d as milliseconds', (input, expected) => {
    expect(parseDuration(input)).toBe(expected)
  })

  it.each(['', '   ', 'abc', '-5m', '-5', '.5s', '5 parsecs', 'm5', '5 m 3 s', 'NaN', 'Infinity', '1e3'])(
    'rejects the string %j',
    (input) => {
      expect(parseDuration(input)).toBeUndefined()
    },
  )

  it.each([NaN, Infinity, -Infinity, -1, -0.5])('rejects the number %d', (input) => {
    expect(parseDuration(input)).toBeUndefined()
  })

  it.each([null, undefined, {}, [], { ms: 5 }, true, 5n, () => 5])('rejects the non-duration %p', (input) => {
    expect(parseDuration(input)).toBeUndefined()
  })
})

describe('toMs', () => {
  it('returns milliseconds for numbers and strings', () => {
    expect(toMs(250, 'ttl')).toBe(250)
    expect(toMs('300 s', 'ttl')).toBe(300_000)
    expect(toMs('5 m', 'ttl')).toBe(300_000)
  })

  it('refuses a bare number string in code, saying it means seconds only in env', () => {
    // @ts-expect-error: the type wants a unit, as the runtime does
    expect(() => toMs('300', 'ttl')).toThrow(
      /^ttl must be a duration .*\(got "300"\); a bare number in a string is seconds only in env variables: write "300 s"$/,
    )
  })

  it('throws a TypeError naming the option, showing examples and the bad value', () => {
    expect(() => toMs('abc' as Duration, 'negativeTtl')).toThrow(TypeError)
    expect(() => toMs('abc' as Duration, 'negativeTtl')).toThrow(
      /^negativeTtl must be a duration like .*"5 m" \(got "abc"\)$/,
    )
    expect(() => toMs(-1, 'grace')).toThrow(/^grace must be a duration.*\(got -1\)$/)
    expect(() => toMs(NaN, 'grace')).toThrow(/grace must be a duration/)
  })
})
