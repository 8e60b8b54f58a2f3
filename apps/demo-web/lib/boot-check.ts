import { ConfigError } from 'distributed-validation-cache'
import { checkConfig } from './runtime'

/** Stops the server on a bad environment, with its one line (Node only: instrumentation.ts loads it). */
export function bootCheck(): void {
  try {
    checkConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`[demo-web] ${error.message}`)
    process.exit(1)
  }
}
