import { MissingDriverError } from '../errors.js'

/**
 * Loads a driver when the configuration selects it, so an app installs only the clients it uses.
 * A client that is not installed fails here, in one line naming the package and the variable.
 */
export async function loadDriver<T>(load: () => Promise<T>, packages: string, variable: string): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string }
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      packages.split(' and ').some((name) => message?.includes(`'${name}'`))
    // Anything else (a file of ours missing, an error while the module loads) is not the app's to fix this way.
    if (missing) throw new MissingDriverError(packages, variable, { cause: error })
    throw error
  }
}

/**
 * Imports a driver by the package's own subpath, hidden from bundlers: Turbopack and webpack would
 * otherwise follow every driver `/env` can load and fail the app's build on each optional client
 * it did not install. At run time Node resolves the subpath from node_modules, as any import.
 */
export function importDriver<T>(
  subpath: 'redis' | 'upstash' | 'supabase' | 'postgres' | 'pglite' | 'setup',
): Promise<T> {
  const specifier = `distributed-validation-cache/${subpath}`
  return import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>
}
