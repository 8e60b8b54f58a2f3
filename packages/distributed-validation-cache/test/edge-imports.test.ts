import { readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = new URL('../src/', import.meta.url).pathname
/** What an Edge middleware imports: the core, /next as the Edge resolves it, the HTTP drivers. */
const EDGE_ENTRIES = ['index.ts', 'next/portable.ts', 'drivers/upstash.ts', 'drivers/supabase.ts']
/** Node built-ins Next's Edge runtime provides (its middleware plugin's SUPPORTED_NATIVE_MODULES). */
const EDGE_BUILTINS = new Set(['node:buffer', 'node:events', 'node:assert', 'node:util', 'node:async_hooks'])
/** Globals the Edge runtime lacks, as Next's build flags them; `process` beyond `process.env`. */
const NODE_ONLY_GLOBALS =
  /\b(setImmediate|clearImmediate|Buffer|MessageChannel|BroadcastChannel)\b|\bprocess\.(?!env\b)/

// `import … from '…'`, `export … from '…'` or a bare `import '…'`; not `import type`/`export type`.
const IMPORTS = /^(?:(?:import|export)(?!\s+type\b)[^'";]*?\bfrom\s*|import\s*)['"]([^'"]+)['"]/gm

const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')

/** Every module of ours an entry reaches through runtime imports (type-only ones erased), with its code. */
function reachable(entries: string[]): Map<string, string> {
  const seen = new Map<string, string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    const code = withoutComments(readFileSync(file, 'utf8'))
    seen.set(file, code)
    for (const [, spec] of code.matchAll(IMPORTS))
      if (spec!.startsWith('.')) visit(join(dirname(file), spec!.replace(/\.js$/, '.ts')))
  }
  for (const entry of entries) visit(join(SRC, entry))
  return seen
}

/**
 * The fast half of the Edge proof (the slow half builds and runs a Next 15 app:
 * fresh-app-edge.test.ts): nothing an Edge middleware imports needs Node.
 */
describe('what an Edge middleware imports', () => {
  const modules = reachable(EDGE_ENTRIES)

  it('reaches the verdict path: the engine, signing, the proxy and both HTTP drivers', () => {
    const names = [...modules.keys()].map((file) => relative(SRC, file))
    for (const name of ['cache.ts', 'crypto/signing.ts', 'next/validation-proxy.ts', 'stores/upstash.ts'])
      expect(names).toContain(name)
    expect(names).not.toContain('next/auth-route.ts') // next-auth's handler: Node only
  })

  it('imports no Node built-in the Edge runtime lacks', () => {
    const builtins = [...modules].flatMap(([file, code]) =>
      [...code.matchAll(IMPORTS)]
        .filter(([, spec]) => spec!.startsWith('node:') && !EDGE_BUILTINS.has(spec!))
        .map(([, spec]) => `${relative(SRC, file)}: ${spec}`),
    )
    expect(builtins).toEqual([])
  })

  it('uses no Node-only global (Buffer, setImmediate, process beyond process.env)', () => {
    const uses = [...modules].flatMap(([file, code]) =>
      code
        .split('\n')
        .filter((line) => NODE_ONLY_GLOBALS.test(line))
        .map((line) => `${relative(SRC, file)}: ${line.trim()}`),
    )
    expect(uses).toEqual([])
  })

  it('would see one if it crept in', () => {
    expect(NODE_ONLY_GLOBALS.test('setImmediate(run)')).toBe(true)
    expect(NODE_ONLY_GLOBALS.test("Buffer.from(x, 'base64url')")).toBe(true)
    expect(NODE_ONLY_GLOBALS.test('process.hrtime()')).toBe(true)
    expect(NODE_ONLY_GLOBALS.test('process.env.NEXTAUTH_URL')).toBe(false)
    expect(withoutComments('run() // setImmediate: not on the Edge')).not.toMatch(NODE_ONLY_GLOBALS)
  })
})
