import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'

/**
 * Reads `.env.local`, then `.env`, from the app's folder into process.env, as `next dev` and
 * `next start` do: a variable already set wins over both, and `.env.local` over `.env`. So a
 * bin run in the app checks the configuration the app runs with. Returns the files it read.
 */
export function loadEnvFiles(dir = process.cwd()): string[] {
  const read: string[] = []
  for (const name of ['.env.local', '.env']) {
    const file = join(dir, name)
    if (!existsSync(file)) continue
    for (const [key, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) process.env[key] ??= value
    read.push(name)
  }
  return read
}
