#!/usr/bin/env node
// The shipped bin: plain JS that runs the compiled CLI, no TypeScript loader needed.
import('../dist/cli/db-setup.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/cli/')) throw error
  console.error('dvc-db-setup: this package is not built (dist/ is missing): run `pnpm build` in it first')
  process.exit(1)
})
