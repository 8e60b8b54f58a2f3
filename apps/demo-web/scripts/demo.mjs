#!/usr/bin/env node
// `pnpm demo`: the built app on embedded defaults (memory cache, PGlite user store seeded with
// the demo users), or on whatever the environment configures. Prints how to sign in.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DEMO_USERS } from 'distributed-validation-cache'

const port = process.env.PORT ?? '3000'
const embedded = !process.env.DATABASE_URL && !process.env.NEXT_PUBLIC_SUPABASE_URL
console.log(`\ndistributed-validation-cache demo → http://localhost:${port}/login`)
if (embedded) {
  console.log('Embedded defaults: in-process memory cache, PGlite user store in .data/pglite. Sign in as:')
  for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(20)} ${user.password.padEnd(22)} ${user.note}`)
}
console.log('Admins get /admin and /observability. Ctrl-C stops.\n')
const next = spawn(fileURLToPath(new URL('../node_modules/.bin/next', import.meta.url)), ['start', '-p', port], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  stdio: 'inherit',
  env: { NEXT_TELEMETRY_DISABLED: '1', ...process.env },
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => next.kill(signal))
next.on('exit', (code) => process.exit(code ?? 0))
