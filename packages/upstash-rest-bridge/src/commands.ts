/**
 * Validates the JSON command arrays of the REST API and turns them into the
 * binary-safe argument lists ioredis sends.
 */

export interface ParsedCommand {
  /**
   * Upper-cased on purpose: ioredis keys its reply transformers by the exact command
   * name (`hgetall` would become an object, losing field order and binary field
   * names), and an upper-case name matches none of them.
   */
  name: string
  args: Buffer[]
}

/** A request the bridge refuses before Redis sees it; the HTTP layer answers 400. */
export class CommandShapeError extends Error {}

// Pub/sub goes through /subscribe (SSE); these would put the shared connection
// into subscriber mode or make it stream forever.
const SUBSCRIBER_COMMANDS = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'MONITOR',
  'SYNC',
  'PSYNC',
])

// One waiting client must not stall every other request on the shared connection.
const BLOCKING_COMMANDS = new Set([
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BLMOVE',
  'BLMPOP',
  'BZPOPMIN',
  'BZPOPMAX',
  'BZMPOP',
  'WAIT',
  'WAITAOF',
])

// Per-connection state would leak into every other request on the shared
// connection (another database, a half-open MULTI, replies switched off).
const CONNECTION_STATE_COMMANDS = new Set([
  'SELECT',
  'MULTI',
  'EXEC',
  'DISCARD',
  'WATCH',
  'UNWATCH',
  'QUIT',
  'RESET',
  'HELLO',
  'AUTH',
])
const CONNECTION_STATE_CLIENT_SUBCOMMANDS = new Set(['REPLY', 'TRACKING', 'CACHING'])

export function parseCommand(value: unknown): ParsedCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CommandShapeError('ERR a command must be a non-empty JSON array, e.g. ["GET","key"]')
  }
  const [head, ...rest] = value as unknown[]
  if (typeof head !== 'string' || head.length === 0) {
    throw new CommandShapeError('ERR the first element of a command must be the command name')
  }
  const name = head.toUpperCase()
  const args = rest.map((arg, index) => toArgument(arg, index + 1))
  const refusal = refusalReason(name, args)
  if (refusal) throw new CommandShapeError(`ERR Command is not allowed: '${head}' (${refusal})`)
  return { name, args }
}

/** The body of /pipeline and /multi-exec: an array of commands, all of them valid. */
export function parseCommandList(value: unknown): ParsedCommand[] {
  if (!Array.isArray(value)) throw new CommandShapeError('ERR a pipeline must be a JSON array of commands')
  return value.map((command, index) => {
    try {
      return parseCommand(command)
    } catch (error) {
      if (!(error instanceof CommandShapeError)) throw error
      throw new CommandShapeError(`${error.message} [command ${index + 1}]`)
    }
  })
}

function toArgument(arg: unknown, position: number): Buffer {
  if (typeof arg === 'string') return Buffer.from(arg, 'utf8')
  // The client leaves numbers and booleans as JSON scalars; Redis wants their text.
  if (typeof arg === 'number' || typeof arg === 'boolean') return Buffer.from(String(arg), 'utf8')
  const kind = arg === null ? 'null' : Array.isArray(arg) ? 'array' : typeof arg
  throw new CommandShapeError(`ERR argument ${position} must be a string, number or boolean, got ${kind}`)
}

function refusalReason(name: string, args: Buffer[]): string | undefined {
  if (SUBSCRIBER_COMMANDS.has(name)) return 'use POST /subscribe/<channel> or /psubscribe/<pattern>'
  if (BLOCKING_COMMANDS.has(name)) return 'blocking commands are not supported'
  if (
    (name === 'XREAD' || name === 'XREADGROUP') &&
    args.some((arg) => arg.toString('utf8').toUpperCase() === 'BLOCK')
  ) {
    return 'blocking commands are not supported'
  }
  if (CONNECTION_STATE_COMMANDS.has(name)) return "it would change the shared connection's state"
  const subcommand = args[0]?.toString('utf8').toUpperCase()
  if (name === 'CLIENT' && subcommand !== undefined && CONNECTION_STATE_CLIENT_SUBCOMMANDS.has(subcommand)) {
    return "it would change the shared connection's state"
  }
  return undefined
}
