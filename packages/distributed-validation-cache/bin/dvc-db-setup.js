#!/usr/bin/env node
// The shipped bin: plain JS that runs the compiled CLI, no TypeScript loader needed.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli/db-setup.js', import.meta.url)
if (!existsSync(cli)) {
  console.error('dvc-db-setup: this package is not built (dist/ is missing): run `pnpm build` in it first')
  process.exit(1)
}
await import(cli.href)
