import { describe, expect, it } from 'vitest'
import { PendingInvalidations } from './pending-invalidations.js'

/** A retry the test settles by hand, to place events inside a pass. */
function controlledRetry() {
  const calls: { userId: string; settle: (ok: boolean) => void }[] = []
  const retry = (userId: string) => new Promise<boolean>((resolve) => calls.push({ userId, settle: resolve }))
  return { calls, retry }
}
const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('PendingInvalidations', () => {
  it('keeps a user who was added again while their retry ran (that newer failure still needs a retry)', async () => {
    const { calls, retry } = controlledRetry()
    const pending = new PendingInvalidations(retry, 60_000)
    pending.add('u')
    const pass = pending.flush()
    await tick()
    pending.add('u') // a second revocation failed while the first retry was on the wire
    calls[0]!.settle(true)
    await pass
    expect(calls).toHaveLength(1)
    expect(pending.size).toBe(1) // left for the next pass, not dropped with the first success
    pending.stop()
  })

  it('runs another pass at once when asked during one, instead of waiting for the timer', async () => {
    const { calls, retry } = controlledRetry()
    const pending = new PendingInvalidations(retry, 60_000)
    pending.add('a')
    const pass = pending.flush()
    await tick()
    pending.add('b')
    expect(pending.flush()).toBe(pass) // one pass at a time…
    calls[0]!.settle(true)
    await tick()
    expect(calls.map((c) => c.userId)).toEqual(['a', 'b']) // …and b is retried right after, in the same flush
    calls[1]!.settle(true)
    await pass
    expect(pending.size).toBe(0)
  })

  it('keeps retrying on its timer while users remain, and stops once none do', async () => {
    let ok = false
    let tries = 0
    const pending = new PendingInvalidations(async () => (tries++, ok), 10)
    pending.add('u')
    const deadline = Date.now() + 2_000
    while (tries < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(pending.size).toBe(1)
    ok = true
    while (pending.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    const settled = tries
    await new Promise((resolve) => setTimeout(resolve, 50)) // several intervals: a stopped timer retries nothing
    expect(tries).toBe(settled)
  })

  it('once closed, a late change starts no timer: nothing retries against a closed store', async () => {
    let retries = 0
    const pending = new PendingInvalidations(async () => (retries++, false), 5)
    pending.close()
    pending.add('u') // a user-store notification that arrived after close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(retries).toBe(0)
    expect(pending.size).toBe(1) // kept, not lost: it is the user source's to retell
  })
})
