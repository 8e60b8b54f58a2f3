#!/usr/bin/env node
// `pnpm demo`: the built app on embedded defaults (memory cache, PGlite user source seeded with
// the demo users), or on whatever the environment configures. Prints how to sign in.
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEMO_USERS } from 'distributed-validation-cache/setup'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const port = process.env.PORT ?? '3000'
const embedded = !process.env.DATABASE_URL && !process.env.NEXT_PUBLIC_SUPABASE_URL
// The folder lib/runtime.ts opens, resolved from the server's cwd (appDir, below); '' is in-memory.
const dataDir = process.env.PGLITE_DATA_DIR ?? '.data/pglite'
if (embedded && dataDir) ensureDataFolder(resolve(appDir, dataDir))
console.log(`\ndistributed-validation-cache demo → http://localhost:${port}/login`)
if (embedded) {
  const where = dataDir ? `in ${resolve(appDir, dataDir)}` : 'in memory (PGLITE_DATA_DIR is empty)'
  console.log(`Embedded defaults: in-process memory cache, PGlite user source ${where}. Sign in as:`)
  for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(20)} ${user.password.padEnd(22)} ${user.note}`)
}
console.log('Admins get /admin and /observability. Ctrl-C stops.\n')
const next = spawn(fileURLToPath(new URL('../node_modules/.bin/next', import.meta.url)), ['start', '-p', port], {
  cwd: appDir,
  stdio: 'inherit',
  env: { NEXT_TELEMETRY_DISABLED: '1', ...process.env },
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => next.kill(signal))
next.on('exit', (code) => process.exit(code ?? 0))

/**
 * The library creates the folder too; checking here first makes an unusable one a single line at
 * the command a newcomer typed, before a server starts that would answer 500 to every request.
 */
function ensureDataFolder(path) {
  let step = 'create'
  try {
    mkdirSync(path, { recursive: true })
    step = 'write to'
    accessSync(path, constants.W_OK)
  } catch (error) {
    const code = error.code ?? error.message
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? `${code}: a file is in the way` : code
    console.error(
      `demo: cannot ${step} the PGlite data folder ${path} (${why}); ` +
        'set PGLITE_DATA_DIR to a folder this user can write, or DATABASE_URL to use a Postgres',
    )
    process.exit(1)
  }
}
