/**
 * Upstash's pay-as-you-go price: $0.20 per 100,000 commands, a script one command however many
 * calls it makes (why the benchmarks count commands sent, not the calls Redis ran).
 */
export const UPSTASH_DOLLARS_PER_COMMAND = 0.2 / 100_000

/** What 1 M validations cost on Upstash at `commandsPerValidation`. */
export const dollarsPerMillion = (commandsPerValidation: number): number =>
  commandsPerValidation * 1_000_000 * UPSTASH_DOLLARS_PER_COMMAND
