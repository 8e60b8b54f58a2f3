import { describe, expect, it } from 'vitest'
import { ConfigError, InvalidUserIdError, RevocationError, ValidationCacheError } from './errors.js'

describe('errors across duplicated module copies', () => {
  // What a second copy of errors.js (another bundle chunk) produces: same brand, other class.
  const fromAnotherCopy = (code: string) =>
    Object.defineProperty(new Error('x'), Symbol.for('distributed-validation-cache/error'), { value: code })

  it('instanceof recognises our errors by brand and code, not by class identity', () => {
    expect(fromAnotherCopy('InvalidUserIdError') instanceof InvalidUserIdError).toBe(true)
    expect(fromAnotherCopy('InvalidUserIdError') instanceof ValidationCacheError).toBe(true)
    expect(fromAnotherCopy('InvalidUserIdError') instanceof RevocationError).toBe(false)
    expect(new Error('plain') instanceof ValidationCacheError).toBe(false)
    expect((null as unknown as object) instanceof ValidationCacheError).toBe(false)
  })

  it('keeps ordinary instanceof working', () => {
    const error = new InvalidUserIdError('empty')
    expect(error).toBeInstanceOf(InvalidUserIdError)
    expect(error).toBeInstanceOf(ValidationCacheError)
    expect(error).toBeInstanceOf(Error)
    expect(error).not.toBeInstanceOf(ConfigError)
    expect(new RevocationError('timeout')).toBeInstanceOf(RevocationError)
  })
})
