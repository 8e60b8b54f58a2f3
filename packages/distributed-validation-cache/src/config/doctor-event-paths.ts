import { withDeadline } from '../deadline.js'
import { TRIGGER_VERSION, triggerStatus } from '../setup/triggers.js'
import type { UserSource } from '../sources/user-source.js'
import { userChangeChannel } from '../tiers/keys.js'
import type { Config } from './config.js'
import { checkWebhookDelivery } from './doctor-webhook.js'
import { importDriver, loadDriver } from './load-driver.js'

export interface EventPathReport {
  lines: string[]
  problems: string[]
  warnings: string[]
}

const LISTEN_DEADLINE_MS = 3_000
const OUTSIDE = 'bans made outside this app (the Supabase dashboard, its admin API, SQL) take up to the TTL'

/**
 * Whether a ban made outside the app reaches it: the auth.users trigger installed at the current
 * version, on this prefix's channel, and not failing; and, where instances LISTEN, a probe heard
 * back on the very connection they would listen on. Read over DATABASE_URL (Supabase's too).
 */
export async function checkEventPaths(
  config: Config,
  report: EventPathReport,
  env: Record<string, string | undefined>,
): Promise<void> {
  const postgres = config.userSource.provider === 'postgres' ? config.userSource : undefined
  const url = postgres?.url ?? env.DATABASE_URL
  if (!url) {
    if (config.userSource.provider === 'supabase')
      report.warnings.push(
        `${OUTSIDE} unless the auth.users trigger is installed (dvc-db-setup --triggers --webhook); ` +
          'set DATABASE_URL to let doctor check it',
      )
    return
  }
  const { postgresSource } = await loadDriver(
    () => importDriver<typeof import('../drivers/postgres.js')>('postgres'),
    'postgres',
    'DATABASE_URL',
  )
  const channel = userChangeChannel(config.prefix)
  const source = postgresSource({ url, max: 1, ...(postgres?.listenUrl ? { listenUrl: postgres.listenUrl } : {}) })
  try {
    const status = await triggerStatus(source.run)
    if (!status.installed)
      report.warnings.push(`the auth.users trigger is not installed: ${OUTSIDE} — run dvc-db-setup --triggers`)
    else if (status.version !== TRIGGER_VERSION)
      report.warnings.push(
        `the auth.users trigger is v${status.version}; this package's is v${TRIGGER_VERSION}: ` +
          'run dvc-db-setup --triggers',
      )
    else if (status.channel !== channel)
      report.problems.push(
        `the auth.users trigger notifies ${status.channel}, this app listens on ${channel}: ` +
          `run dvc-db-setup --triggers with VALIDATION_CACHE_PREFIX=${config.prefix}`,
      )
    else report.lines.push(`auth.users trigger: v${status.version}, notifying ${channel}`)
    for (const failure of status.failures)
      report.warnings.push(
        `the auth.users trigger could not send ${failure.count} ${failure.path} notification(s), ` +
          `the last: ${failure.lastError} (see dvc.trigger_failures)`,
      )
    if (postgres && config.listen) await checkListen(source, channel, report)
    if (status.installed) await checkWebhookDelivery(source.run, report)
  } finally {
    await source.close()
  }
}

async function checkListen(
  source: Required<Pick<UserSource, 'listen'>>,
  channel: string,
  report: EventPathReport,
): Promise<void> {
  const heardNothing =
    `LISTEN on ${channel} hears nothing back: a transaction-mode pooler (Supabase's port 6543, PgBouncer) ` +
    'drops it — set DATABASE_LISTEN_URL to a direct or session-mode connection'
  const opening = source.listen(channel, { onChange: () => undefined, onRelisten: () => undefined })
  const listener = await withDeadline(opening, LISTEN_DEADLINE_MS, () => new Error('LISTEN did not answer')).catch(
    (error: Error) => {
      void opening.then(
        (late) => late.close(),
        () => undefined,
      ) // should it open after all
      report.problems.push(`${heardNothing} (${error.message})`)
    },
  )
  if (!listener) return
  try {
    const started = performance.now()
    await withDeadline(listener.ping(), LISTEN_DEADLINE_MS, () => new Error('no probe'))
    report.lines.push(`LISTEN ${channel}: a probe came back in ${Math.round(performance.now() - started)} ms`)
  } catch {
    report.problems.push(heardNothing)
  } finally {
    await listener.close()
  }
}
