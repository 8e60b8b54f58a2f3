import { describe, expect, it } from 'vitest'
import { MissingDriverError } from '../errors.js'
import { loadDriver } from './load-driver.js'

describe('loadDriver', () => {
  it('a client that is not installed is one line naming the package and the variable that asked for it', async () => {
    const loading = loadDriver(() => import('dvc-no-such-client' as string), 'dvc-no-such-client', 'REDIS_URL')
    await expect(loading).rejects.toBeInstanceOf(MissingDriverError)
    await expect(loading).rejects.toThrow(
      /^REDIS_URL needs dvc-no-such-client, which is not installed: add it to your app \(pnpm add dvc-no-such-client\)$/,
    )
  })

  it('names every package of a driver that needs two', async () => {
    await expect(
      loadDriver(() => import('dvc-no-such-ws' as string), 'dvc-no-such-client and dvc-no-such-ws', 'SUPABASE_URL'),
    ).rejects.toThrow('(pnpm add dvc-no-such-client dvc-no-such-ws)')
  })

  it("passes on any other failure as it is: a module of its own missing is not the app's to install", async () => {
    await expect(
      loadDriver(() => import('../no-such-file-of-ours.js' as string), 'ioredis', 'REDIS_URL'),
    ).rejects.not.toBeInstanceOf(MissingDriverError)
    const broken = new Error('boom while loading')
    await expect(loadDriver(() => Promise.reject(broken), 'ioredis', 'REDIS_URL')).rejects.toBe(broken)
  })

  it('hands over the module once it loads', async () => {
    const mod = await loadDriver(() => import('../errors.js'), 'nothing', 'X')
    expect(mod.MissingDriverError).toBe(MissingDriverError)
  })
})
