import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }

function newestSource(dir: string): number {
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? newestSource(path) : entry.name.endsWith('.test.ts') ? 0 : statSync(path).mtimeMs
  }))
}

/**
 * Runs a bin the package ships (its package.json `bin`) with plain node and a clean environment,
 * as `npx <name>` runs it in an app. The bins run dist/: a build older than src/ would test old
 * code, so that fails with what to do (`pnpm test` builds first).
 */
export function runShippedBin(name: string, env: Record<string, string>, args: string[] = []): SpawnSyncReturns<string> {
  const built = statSync(join(ROOT, 'dist/index.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0
  if (built < newestSource(join(ROOT, 'src'))) throw new Error('dist/ is older than src/: run `pnpm build` in packages/distributed-validation-cache (pnpm test does)')
  return spawnSync(process.execPath, [join(ROOT, pkg.bin[name]!), ...args], {
    env: { NODE_ENV: 'production', HOME: process.env.HOME ?? '/root', ...env }, encoding: 'utf8', timeout: 20_000,
  })
}
