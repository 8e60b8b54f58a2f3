/**
 * `distributed-validation-cache/testing`: the store conformance suite every built-in store runs
 * (vitest), and a fault decorator for any store — for your own store and your own tests.
 */
export { describeStoreConformance, type StoreUnderTest } from '../testing/store-conformance.js'
export { type Chaos, chaosStore, type StoreCall } from '../testing/chaos-store.js'
export { waitFor } from '../testing/wait-for.js'
