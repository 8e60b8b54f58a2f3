/**
 * The one argument parser of the bins. Arguments are checked before anything else runs, so that
 * `--help` or a typo can never reach a database: in a user's app, `npx dvc-db-setup --hlep` used to
 * create ./.data/pglite and seed an admin whose password is in the README.
 */
import { parseArgs } from 'node:util'

export interface CliSpec<Flag extends string> {
  /** The bin's name, as the user typed it: it starts every error line. */
  name: string
  /** What it does, in a few lines. */
  about: string
  /** Its flags (all boolean), each with its one-line help. `--help`/`-h` is added to every bin. */
  flags: Record<Flag, string>
  /** The environment variables it reads, with what each does. */
  env: Record<string, string>
  /** What its exit codes mean, besides 2 (usage error), which every bin shares. */
  exits: string
}

/** The usage text `--help` prints (to stdout) and a usage error prints after its one line (to stderr). */
export function usage<Flag extends string>(spec: CliSpec<Flag>): string {
  const flags = Object.keys(spec.flags) as Flag[]
  // Two columns; a name too long for the first gets its help on the next line, so one long name cannot
  // push every help text off an 80-column terminal.
  const rows = (entries: [string, string][]) => {
    const width = Math.min(Math.max(...entries.map(([key]) => key.length)), 24) + 2
    const indent = `\n  ${' '.repeat(width)}`
    return entries.map(
      ([key, help]) =>
        `  ${key.length > width - 2 ? `${key}${indent}` : key.padEnd(width)}${help.replaceAll('\n', indent)}`,
    )
  }
  return [
    `Usage: ${spec.name} ${flags.map((flag) => `[--${flag}]`).join(' ')}`.trimEnd(),
    '',
    spec.about,
    '',
    'Options:',
    ...rows([
      ...flags.map((flag): [string, string] => [`--${flag}`, spec.flags[flag]]),
      ['-h, --help', 'print this help and exit, touching nothing'],
    ]),
    '',
    'Environment:',
    ...rows(Object.entries(spec.env)),
    '',
    `Exit status: ${spec.exits}, 2 usage error.`,
    '',
  ].join('\n')
}

/**
 * The flags given, each true or false. With --help/-h it prints the usage and exits 0; with an unknown
 * option, a value on a flag or any positional argument it prints one line and the usage to stderr and
 * exits 2 (the usual usage-error status). It never returns in either case.
 */
export function parseFlags<Flag extends string>(
  spec: CliSpec<Flag>,
  args = process.argv.slice(2),
): Record<Flag, boolean> {
  const options = Object.fromEntries(Object.keys(spec.flags).map((flag) => [flag, { type: 'boolean' as const }]))
  let values: Record<string, unknown>
  try {
    values = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }).values
  } catch (error) {
    process.stderr.write(`${spec.name}: ${usageError(error as Error & { code?: string })}\n\n${usage(spec)}`)
    process.exit(2)
  }
  if (values.help) {
    process.stdout.write(usage(spec))
    process.exit(0)
  }
  const given = Object.keys(spec.flags).map((flag) => [flag, values[flag] === true])
  return Object.fromEntries(given) as Record<Flag, boolean>
}

// parseArgs' own messages run to two sentences of advice about `--`; the bins say it in one short line.
function usageError(error: Error & { code?: string }): string {
  const token = /'([^']*)'/.exec(error.message)?.[1]
  if (token === undefined) return error.message
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${token}'`
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument '${token}'`
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option '${token}' does not take a value`
  return error.message
}
