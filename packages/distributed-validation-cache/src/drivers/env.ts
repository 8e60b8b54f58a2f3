/**
 * `distributed-validation-cache/env`: everything from the environment — the store and the user
 * source that `fromEnv()` selects, each driver loaded when selected. Only the client of what is
 * selected must be installed; a missing one is one line saying which package to add.
 */
export { optionsFromConfig, storeFromConfig, userStoreFromConfig, type UserStore } from '../from-config.js'
