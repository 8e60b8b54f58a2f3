/**
 * One app instance of the revocation benchmark, in its own process, driven over IPC by
 * revocation.ts: real Redis, the real Postgres auth.users as source and admin store.
 * Times are wall-clock milliseconds with sub-ms precision, comparable across processes.
 */
import { createValidationCache, postgresSource, redisStore, sqlUserAdmin } from '../src/index.js'

export type RevocationPath = 'revoke()' | 'admin ban' | 'ban + webhook'
export type Command =
  | { type: 'warm'; userId: string; issuedAt: number }
  | { type: 'watch'; userId: string; issuedAt: number }
  | { type: 'act'; userId: string; path: RevocationPath }
export type Reply = { type: 'warmed'; verdict: string } | { type: 'watching' } | { type: 'denied'; at: number; verdict: string } | { type: 'acted'; at: number }

const [databaseUrl, redisUrl, prefix] = process.argv.slice(2) as [string, string, string]
const source = postgresSource({ url: databaseUrl, max: 2 })
const admin = sqlUserAdmin(source.run)
const cache = createValidationCache({ source, store: redisStore(redisUrl), prefix, secret: 'revocation-benchmark-secret' })
await cache.ready()
const wallNow = () => performance.timeOrigin + performance.now()
const reply = (message: Reply) => process.send!(message)

async function act(userId: string, path: RevocationPath): Promise<void> {
  if (path === 'revoke()') {
    await cache.revoke(userId)
    return
  }
  await admin.ban(userId, new Date(Date.now() + 3_600_000))
  // The /admin route also ends existing sessions; a Supabase Database Webhook only re-reads.
  await (path === 'admin ban' ? cache.revoke(userId) : cache.refresh(userId))
}

process.on('message', async (command: Command) => {
  switch (command.type) {
    case 'warm':
      reply({ type: 'warmed', verdict: (await cache.validate(command.userId, { issuedAt: command.issuedAt })).verdict })
      return
    case 'watch': {
      reply({ type: 'watching' })
      // A request every millisecond: finer than the figure needs, without starving the others.
      for (;;) {
        const result = await cache.validate(command.userId, { issuedAt: command.issuedAt })
        if (!result.valid) return reply({ type: 'denied', at: wallNow(), verdict: result.verdict })
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    }
    case 'act': {
      const at = wallNow()
      await act(command.userId, command.path)
      reply({ type: 'acted', at })
    }
  }
})
process.on('disconnect', () => void Promise.all([cache.close(), source.close()]).then(() => process.exit(0)))
process.send!({ type: 'ready' })
