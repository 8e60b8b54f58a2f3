#!/usr/bin/env node
// The shipped bin: plain JS that runs the compiled CLI (`pnpm build`), no TypeScript loader needed.
import '../dist/cli/db-setup.js'
