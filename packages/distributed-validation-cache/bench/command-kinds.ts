import type { SentCommand } from './redis-commands.js'

/** What a command sent to the benchmark's Redis was for. */
export type Kind = 'user' | 'beats' | 'logReads' | 'pings' | 'other'

/**
 * By the keys it names, as MONITOR showed it: one of `userIds` (its entry, its lock, a naive key)
 * makes it that user's; the heartbeat's lease a beat (the script names it); the change log a log
 * read (XRANGE, XREVRANGE); a PING checks a subscription. What is left is counted as "other".
 */
export function kindOf({ args }: SentCommand, prefix: string, userIds: readonly string[] = []): Kind {
  if (args.some((arg) => userIds.some((id) => arg.includes(id)))) return 'user'
  if (args.includes(`${prefix}beat`)) return 'beats'
  if (args.includes(`${prefix}changes`)) return 'logReads'
  return args[0]?.toLowerCase() === 'ping' ? 'pings' : 'other'
}

/** How many of `commands` were of each kind. */
export function tally(commands: SentCommand[], prefix: string, userIds: readonly string[] = []): Record<Kind, number> {
  const counts: Record<Kind, number> = { user: 0, beats: 0, logReads: 0, pings: 0, other: 0 }
  for (const command of commands) counts[kindOf(command, prefix, userIds)]++
  return counts
}
