import type { SqlRunner } from '../sources/sql-source.js'

export interface WebhookReport {
  lines: string[]
  problems: string[]
}

const POLL_MS = 100
const DELIVERY_DEADLINE_MS = 8_000
// No one's id: the test delivery asks the app to re-read nobody.
const NOBODY = '00000000-0000-4000-8000-000000000000'

/**
 * The pg_net path checked the way bans take it: a test delivery from the database, with the URL
 * and the bearer read from Vault inside the statement (doctor never sees the secret), and the
 * app's answer as pg_net recorded it. A 200 means the app received it and holds the same secret.
 */
export async function checkWebhookDelivery(run: SqlRunner, report: WebhookReport): Promise<void> {
  const [setup] = await run(
    `select to_regclass('vault.decrypted_secrets') is not null as vault,
      to_regclass('net._http_response') is not null as pg_net`,
    [],
  )
  if (!setup?.vault) return // not Supabase: the NOTIFY path is the one
  const [configured] = await run(
    `select count(*)::int as n from vault.decrypted_secrets where name in ('dvc_webhook_url', 'dvc_webhook_secret')`,
    [],
  )
  if (configured?.n !== 2) return // --webhook not set up: the NOTIFY path is the one
  if (!setup.pg_net) {
    report.problems.push('the trigger posts through pg_net, which is not enabled: enable it (Database → Extensions)')
    return
  }
  const secretOf = (name: string) => `(select decrypted_secret from vault.decrypted_secrets where name = '${name}')`
  const [sent] = await run(
    `select net.http_post(url := ${secretOf('dvc_webhook_url')},
      body := jsonb_build_object('type', 'UPDATE', 'table', 'users', 'schema', 'auth',
        'record', jsonb_build_object('id', $1::text), 'old_record', jsonb_build_object('id', $1::text)),
      headers := jsonb_build_object('Content-Type', 'application/json',
        'Authorization', 'Bearer ' || ${secretOf('dvc_webhook_secret')})) as id`,
    [NOBODY],
  )
  const deadline = Date.now() + DELIVERY_DEADLINE_MS
  for (;;) {
    const [answer] = await run('select status_code, error_msg from net._http_response where id = $1', [sent!.id])
    if (answer) return judge(Number(answer.status_code), answer.error_msg as string | null, report)
    if (Date.now() > deadline) {
      report.problems.push(`pg_net sent no test delivery to the webhook within ${DELIVERY_DEADLINE_MS / 1000} s`)
      return
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

function judge(status: number, error: string | null, report: WebhookReport): void {
  if (status === 200) report.lines.push('pg_net webhook: a test delivery from the database was accepted (200)')
  else if (status === 401)
    report.problems.push(
      'the webhook refused the bearer kept in Vault (401): it is not REVALIDATION_WEBHOOK_SECRET — ' +
        'run dvc-db-setup --triggers --webhook',
    )
  else if (status === 503)
    report.problems.push('the webhook is disabled (503): set REVALIDATION_WEBHOOK_SECRET on the app')
  else report.problems.push(`the test delivery to the webhook failed: ${error ?? `status ${status}`}`)
}
