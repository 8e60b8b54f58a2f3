// The shipped bins are plain JS that run the compiled CLIs: no TypeScript loader needed.
import { existsSync } from 'node:fs'

/** Runs dist/cli/<name>.js, or says in one line that the package has not been built. */
export async function launch(name) {
  const cli = new URL(`../dist/cli/${name}.js`, import.meta.url)
  if (!existsSync(cli)) {
    console.error(`dvc-${name}: this package is not built (dist/ is missing): run \`pnpm build\` in it first`)
    process.exit(1)
  }
  await import(cli.href)
}
