/** `distributed-validation-cache/next`: Next.js handlers, the proxy and the session readers. */
export * from './portable.js'
export { nextAuthRoute } from './auth-route.js'
