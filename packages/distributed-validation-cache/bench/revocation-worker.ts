/**
 * One app instance of the revocation benchmark, in its own process, driven over IPC by
 * revocation.ts: real Redis, the real Postgres auth.users as source and admin store. With
 * `no-cache` it is the baseline app instead: it asks auth.users on every request.
 */
import { createValidationCache, sqlUserAdmin } from '../src/index.js'
import { postgresSource } from '../src/drivers/postgres.js'
import { redisStore } from '../src/drivers/redis.js'
import { decide, MISSING_USER, type Verdict } from '../src/user-state.js'
import { wallNow } from './worker-process.js'

export type RevocationPath = 'revoke()' | 'admin ban' | 'ban + webhook'
export type Strategy = 'validation-cache' | 'no-cache'
export type Command =
  | { type: 'check'; userId: string; issuedAt: number }
  | { type: 'watch'; userId: string; issuedAt: number }
  | { type: 'act'; userId: string; path: RevocationPath }
export type Reply =
  | { type: 'ready' }
  | { type: 'checked'; verdict: Verdict }
  | { type: 'watching' }
  | { type: 'denied'; at: number; verdict: Verdict }
  | { type: 'acted'; at: number }

const [strategy, databaseUrl, redisUrl, prefix] = process.argv.slice(2) as [Strategy, string, string, string]
const source = postgresSource({ url: databaseUrl, max: 2 })
const admin = sqlUserAdmin(source.run)
const cache = createValidationCache({
  source,
  store: redisStore(redisUrl),
  prefix,
  secret: 'revocation-benchmark-secret',
})
// First thing: the parent letting go (however early) ends this process.
process.once('disconnect', () => void Promise.all([cache.close(), source.close()]).finally(() => process.exit(0)))
await cache.ready()
const reply = (message: Reply) => process.send!(message)

async function verdict(userId: string, issuedAt: number): Promise<Verdict> {
  if (strategy === 'validation-cache') return (await cache.validate(userId, { issuedAt })).verdict
  return decide((await source.fetchUser(userId, AbortSignal.timeout(5_000))) ?? MISSING_USER, issuedAt, Date.now())
}

/** What the app does for each path; without a cache, only the user-source writes remain. */
async function act(userId: string, path: RevocationPath): Promise<void> {
  if (path !== 'revoke()') await admin.ban(userId, new Date(Date.now() + 3_600_000))
  if (strategy === 'no-cache') {
    if (path !== 'ban + webhook') await source.setSessionsRevokedAt(userId, Date.now(), AbortSignal.timeout(5_000))
    return
  }
  // revoke(): persisted, then L2 and broadcast. The /admin route bans, then revokes; a Supabase
  // Database Webhook only tells the app to re-read the user (refresh()).
  await (path === 'ban + webhook' ? cache.refresh(userId) : cache.revoke(userId))
}

process.on('message', async (command: Command) => {
  switch (command.type) {
    case 'check':
      return reply({ type: 'checked', verdict: await verdict(command.userId, command.issuedAt) })
    case 'watch': {
      reply({ type: 'watching' })
      // A request every millisecond: finer than the figure needs, without starving the others.
      for (;;) {
        const seen = await verdict(command.userId, command.issuedAt)
        if (seen !== 'active') return reply({ type: 'denied', at: wallNow(), verdict: seen })
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    }
    case 'act': {
      const at = wallNow()
      await act(command.userId, command.path)
      return reply({ type: 'acted', at })
    }
  }
})
reply({ type: 'ready' })
