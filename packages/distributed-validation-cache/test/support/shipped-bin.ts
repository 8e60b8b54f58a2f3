import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }

export interface BinOptions {
  /** The folder it runs in: an app's folder, where a stray `.data/` would land. Default: this process's. */
  cwd?: string
  timeoutMs?: number
}

/**
 * Runs an executable with a clean environment (only what the test passes, plus the PATH node and a
 * `#!/usr/bin/env node` shebang need), as `npx <name>` runs it in an app.
 */
export function runBin(file: string, env: Record<string, string>, args: string[] = [], options: BinOptions = {}) {
  const path = `${dirname(process.execPath)}:/usr/bin:/bin`
  return spawnSync(file, args, {
    env: { NODE_ENV: 'production', HOME: process.env.HOME ?? '/root', PATH: path, ...env },
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 20_000,
  })
}

/**
 * Runs a bin the package ships (its package.json `bin`) from this workspace with plain node. The bins
 * run the compiled dist/, which `pnpm test` builds first (turbo); a vitest run of its own tests whatever
 * was built last. test/packed-bins.test.ts runs them from the packed tarball instead.
 */
export function runShippedBin(
  name: string,
  env: Record<string, string>,
  args: string[] = [],
  options: BinOptions = {},
): SpawnSyncReturns<string> {
  if (!existsSync(join(ROOT, 'dist/cli'))) {
    throw new Error('dist/ is missing: run `pnpm build` in packages/distributed-validation-cache (pnpm test does)')
  }
  return runBin(process.execPath, env, [join(ROOT, pkg.bin[name]!), ...args], options)
}

/** The package's own folder, for `pnpm pack`. */
export const PACKAGE_ROOT = ROOT
