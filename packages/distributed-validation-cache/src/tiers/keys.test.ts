import { describe, expect, it } from 'vitest'
import { userChangeChannel } from './keys.js'

describe('userChangeChannel', () => {
  it('is <prefix>user_changed, or for a prefix too long for a NOTIFY channel, a name from its hash', () => {
    expect(userChangeChannel('dvc:')).toBe('dvc:user_changed')
    const long = `${'a'.repeat(60)}:`
    const channel = userChangeChannel(long)
    expect(channel).toMatch(/^dvc:[0-9a-z]+:user_changed$/)
    expect(new TextEncoder().encode(channel).length).toBeLessThanOrEqual(63)
    expect(userChangeChannel(long)).toBe(channel) // the trigger and the listeners agree
    expect(userChangeChannel(`${'a'.repeat(60)}.`)).not.toBe(channel)
  })
})
