import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { checkWebhookDelivery, type WebhookReport } from '../src/config/doctor-webhook.js'
import { webhookHandler } from '../src/next/webhook-handler.js'
import { migrateAuthSchema } from '../src/setup/auth-schema.js'
import { configureWebhook, installTriggers } from '../src/setup/triggers.js'
import { postgresSource } from '../src/sources/postgres.js'
import { memoryStore } from '../src/stores/memory.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { serveHandler } from './support/serve-handler.js'
import { postgresAvailable } from './support/services.js'
import { pgNetWorker, SUPABASE_STAND_INS } from './support/supabase-stand-ins.js'

const postgresUp = await postgresAvailable()

/**
 * Issue 12 part 5: doctor checks the Vault secret by a test delivery the app must receive — sent
 * by pg_net (a stand-in that records, and a worker that sends what it recorded) to a real webhook.
 */
describe.skipIf(!postgresUp)('doctor: the pg_net webhook, by a test delivery', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let source: ReturnType<typeof postgresSource>
  let worker: ReturnType<typeof pgNetWorker>
  const secret = `hook-${randomUUID()}`
  const cache = () => createValidationCache({ source, store: memoryStore(), listen: false })
  beforeAll(async () => {
    scratch = await createScratchDatabase()
    source = postgresSource({ url: scratch.url })
    await migrateAuthSchema(source.run)
    await installTriggers(source.run, 'dvc:')
    for (const statement of SUPABASE_STAND_INS) await source.run(statement, [])
    worker = pgNetWorker(source.run)
  })
  afterAll(async () => {
    await worker?.stop()
    await source?.close()
    await scratch?.drop()
  })

  const check = async (appSecret: string | undefined, vaultSecret: string) => {
    const app = await serveHandler(webhookHandler({ cache: cache(), secret: appSecret }))
    try {
      await configureWebhook(source.run, `${app.url}/api/validation/webhook`, vaultSecret)
      const report: WebhookReport = { lines: [], problems: [] }
      await checkWebhookDelivery(source.run, report)
      return report
    } finally {
      await app.close()
    }
  }

  it("is accepted when Vault holds the app's secret", async () => {
    expect(await check(secret, secret)).toEqual({
      lines: ['pg_net webhook: a test delivery from the database was accepted (200)'],
      problems: [],
    })
  })

  it('says the secret differs when the app refuses the bearer, and when the webhook is off', async () => {
    expect((await check(secret, `${secret}-old`)).problems).toEqual([
      expect.stringMatching(
        /^the webhook refused the bearer kept in Vault \(401\): it is not REVALIDATION_WEBHOOK_SECRET/,
      ),
    ])
    expect((await check(undefined, secret)).problems).toEqual([
      'the webhook is disabled (503): set REVALIDATION_WEBHOOK_SECRET on the app',
    ])
  })

  it('says so when the app cannot be reached', async () => {
    await configureWebhook(source.run, 'http://127.0.0.1:9/api/validation/webhook', secret)
    const report: WebhookReport = { lines: [], problems: [] }
    await checkWebhookDelivery(source.run, report)
    expect(report.problems).toEqual([expect.stringMatching(/^the test delivery to the webhook failed: /)])
  })
})
