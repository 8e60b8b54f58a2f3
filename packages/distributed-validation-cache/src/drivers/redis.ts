/** `distributed-validation-cache/redis`: the Redis store (single node, TLS, Sentinel, Cluster). Needs `ioredis`. */
export { redisStore, type RedisStoreOptions } from '../stores/redis.js'
