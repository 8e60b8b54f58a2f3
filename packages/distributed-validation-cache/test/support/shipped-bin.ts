import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }

/**
 * Runs a bin the package ships (its package.json `bin`) with plain node and a clean environment,
 * as `npx <name>` runs it in an app. The bins run the compiled dist/, which `pnpm test` builds
 * first (turbo); a vitest run of its own tests whatever was built last.
 */
export function runShippedBin(name: string, env: Record<string, string>, args: string[] = []): SpawnSyncReturns<string> {
  if (!existsSync(join(ROOT, 'dist/cli'))) throw new Error('dist/ is missing: run `pnpm build` in packages/distributed-validation-cache (pnpm test does)')
  return spawnSync(process.execPath, [join(ROOT, pkg.bin[name]!), ...args], {
    env: { NODE_ENV: 'production', HOME: process.env.HOME ?? '/root', ...env }, encoding: 'utf8', timeout: 20_000,
  })
}
