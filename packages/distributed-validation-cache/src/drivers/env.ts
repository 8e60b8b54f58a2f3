/**
 * `distributed-validation-cache/env`: everything from the environment — the store and the user
 * source that `fromEnv()` selects, each driver loaded when selected. Only the client of what is
 * selected must be installed; a missing one is one line saying which package to add.
 */
export {
  cacheFromEnv,
  optionsFromConfig,
  storeFromConfig,
  userSourceFromConfig,
  type EnvCache,
  type ConfiguredUserSource,
} from '../config/from-config.js'
export { oncePerProcess } from '../config/once-per-process.js'
