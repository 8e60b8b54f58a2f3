/**
 * The engine on embedded defaults: in-process memory store, a user source held in memory.
 * Run it with `pnpm example`. With REDIS_URL or UPSTASH_REDIS_REST_URL set, the same code runs on
 * the shared store instead (see .env.example); the user source stays in memory here.
 */
import { randomUUID } from 'node:crypto'
import { optionsFromConfig } from '../src/drivers/env.js'
import { createValidationCache, describe, fromEnv, type UserSource, type UserState } from '../src/index.js'

const users = new Map<string, UserState & { email: string }>()
const add = (email: string, state: Partial<UserState> = {}) => {
  const id = randomUUID()
  users.set(id, { email, exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, ...state })
  return id
}
let queries = 0
const source: UserSource = {
  name: 'in-memory demo users',
  async fetchUser(id) {
    queries++
    return users.get(id) ?? null
  },
  async setSessionsRevokedAt(id, at) {
    users.set(id, { ...users.get(id)!, sessionsRevokedAt: at })
  },
}

const config = fromEnv()
// This example brings its own in-memory users, so the configured user source is not used here.
console.log(
  describe(config)
    .split('\n')
    .filter((line) => !line.startsWith('user source'))
    .join('\n'),
)
console.log(`user source: ${source.name}\n`)
const cache = createValidationCache({ ...(await optionsFromConfig(config)), source })
await cache.ready()

const alice = add('alice@example.com')
const bob = add('bob@example.com', { bannedUntil: Date.now() + 24 * 3_600_000 })
const carol = add('carol@example.com')
const dave = add('dave@example.com', { bannedUntil: Date.now() - 3_600_000 }) // an expired ban
const erin = add('erin@example.com', { deleted: true })
const ghost = randomUUID()
const signedInAt = Date.now() - 10 * 60_000 // every session below was issued 10 minutes ago

await cache.revoke(carol) // e.g. "sign out everywhere", or an admin action

const show = async (label: string, id: string) => {
  const r = await cache.validate(id, { issuedAt: signedInAt })
  console.log(
    `${label.padEnd(20)} ${r.valid ? 'ALLOW' : 'DENY '}  ${r.verdict.padEnd(9)} from ${r.tier.padEnd(6)} ${r.reason}`,
  )
}
for (const [label, id] of [
  ['alice', alice],
  ['bob (banned)', bob],
  ['carol (revoked)', carol],
  ['dave (ban expired)', dave],
  ['erin (deleted)', erin],
  ['unknown user', ghost],
] as const) {
  await show(label, id)
}
console.log('\nagain — now answered from the in-process L1 cache:')
await show('alice', alice)
await show('bob (banned)', bob)
const fresh = await cache.validate(carol, { issuedAt: Date.now() })
console.log(`carol signs in again: ${fresh.verdict} (sessions issued after the revocation are valid)`)

const { validations } = cache.stats()
console.log(
  `\n${validations.total} validations, ${queries} user-source queries, hit rate ${(((validations.byTier.l1 + validations.byTier.l2) / validations.total) * 100).toFixed(0)}%`,
)
await cache.close()
