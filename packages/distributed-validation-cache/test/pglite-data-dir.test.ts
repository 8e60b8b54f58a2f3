import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fromEnv } from '../src/config/config.js'
import { ConfigError } from '../src/errors.js'
import { userSourceFromConfig } from '../src/config/from-config.js'
import { openPglite } from '../src/sources/pglite.js'

/**
 * PGlite creates only the last level of its data folder, so a fresh checkout's `.data/pglite`
 * answered ENOENT on every request of `pnpm demo`. These open the folders a newcomer's machine has.
 */
// A fresh PGlite takes 3–4 s to initialise, more on two busy cores.
describe('the embedded PGlite data folder', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'dvc-pglite-dir-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('is created with its missing parents, then opened and usable', async () => {
    const dir = join(root, 'app', '.data', 'pglite')
    const db = await openPglite(dir)
    try {
      expect(statSync(dir).isDirectory()).toBe(true)
      expect((await db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }])
    } finally {
      await db.close()
    }
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true) // the database lives there, not in memory
  })

  it('is created through userSourceFromConfig too, the path `pnpm demo` takes', async () => {
    const dir = join(root, 'demo', '.data', 'pglite')
    const store = await userSourceFromConfig(fromEnv({}), { pgliteDataDir: dir })
    try {
      const alice = await store.authorize({ email: 'alice@example.com', password: 'alice-demo-password' })
      expect(await store.admin.roleOf(alice!.id)).toBe('admin') // migrated and seeded there
    } finally {
      await store.close()
    }
  })

  // Tests run as root, for whom a chmod'ed read-only folder is writable: a file in the way is the
  // failure every user gets alike.
  it('that cannot be created is a one-line ConfigError naming the path and PGLITE_DATA_DIR', async () => {
    const file = join(root, 'not-a-folder')
    writeFileSync(file, 'a file where a parent folder should be')
    for (const dir of [join(file, 'pglite'), file]) {
      // a file as a parent (ENOTDIR), or as the folder itself
      const error = await openPglite(dir).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      const { message } = error as ConfigError
      expect(message).not.toContain('\n')
      expect(message).toContain(dir)
      expect(message).toContain('PGLITE_DATA_DIR')
      expect(message).toMatch(/a file is in the way/)
      expect((error as ConfigError).issues.map((i) => i.variable)).toEqual(['PGLITE_DATA_DIR'])
    }
    const viaConfig = userSourceFromConfig(fromEnv({}), { pgliteDataDir: join(file, 'pglite') })
    await expect(viaConfig).rejects.toBeInstanceOf(ConfigError)
  })

  it("is left alone for PGlite's in-memory store", async () => {
    const db = await openPglite('memory://')
    await db.close()
    expect(existsSync('memory:')).toBe(false) // not mistaken for a relative folder name
  })
})
