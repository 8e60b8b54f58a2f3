import { existsSync, mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'
import {
  postgresAvailable,
  redisAvailable,
  servicesRequired,
} from '../../../packages/distributed-validation-cache/test/support/services.js'
import { startAppFleet } from './app-fleet.js'
import type { AppInstance } from './app-instance.js'

const CHROMIUM = '/usr/bin/chromium'
const chromiumThere = existsSync(CHROMIUM)
if (!chromiumThere && servicesRequired)
  throw new Error(
    `Chromium is not at ${CHROMIUM} and DVC_REQUIRE_SERVICES=1: apt-get install -y chromium (.ci/run does)`,
  )
const servicesUp = chromiumThere && (await redisAvailable()) && (await postgresAvailable())
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url)

/** A person's view: three instances, a user browsing two of them, an admin acting on the third. */
describe.skipIf(!servicesUp)('demo-web in Chromium', () => {
  let fleet: Awaited<ReturnType<typeof startAppFleet>>
  let browser: Browser
  beforeAll(async () => {
    fleet = await startAppFleet(3, ['browser'])
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })
  afterAll(async () => {
    await browser?.close()
    await fleet?.stop()
  })

  const signInThroughForm = async (page: Page, app: AppInstance, email: string, password: string) => {
    await page.goto(`${app.url}/login`)
    await page.fill('input[name=email]', email)
    await page.fill('input[name=password]', password)
    await page.click('button[type=submit]')
    await page.waitForURL(`${app.url}/`)
  }

  it('locks a user out of every instance within 1 s of an admin ban, and lets them back after unban', async () => {
    const [a, b, c] = fleet.apps as [AppInstance, AppInstance, AppInstance]
    const user = fleet.users.get('browser')!
    const userPage = await (await browser.newContext()).newPage()
    await signInThroughForm(userPage, a, user.email, user.password)
    expect(await userPage.textContent('[data-testid=email]')).toBe(user.email)
    await userPage.goto(`${b.url}/`) // cookies ignore ports: the same session reaches instance B
    expect(await userPage.textContent('[data-testid=instance]')).toBe(`app-${b.port}`)

    const adminPage = await (await browser.newContext()).newPage()
    await signInThroughForm(adminPage, c, 'alice@example.com', 'alice-demo-password')
    await adminPage.goto(`${c.url}/admin`)
    const row = adminPage.locator(`tr[data-email="${user.email}"]`)
    // A Server Action: its answer lands in the row (the HTTP admin API has tests of its own).
    const result = row.locator('[data-testid=action-result]')
    await row.locator('button[data-action=ban]').click()
    await result.filter({ hasText: /^ban: updated$/ }).waitFor({ timeout: 10_000 })
    const bannedAt = Date.now()
    for (const app of [a, b]) {
      await waitFor(async () => (await userPage.goto(`${app.url}/`), userPage.url().endsWith('/login')), {
        timeoutMs: 1_000,
        intervalMs: 20,
        what: `the user to land on /login on ${app.port}`,
      })
    }
    expect(Date.now() - bannedAt).toBeLessThan(1_000)
    await waitFor(async () => (await row.locator('[data-testid=verdict]').textContent()) === 'banned', {
      timeoutMs: 5_000,
      what: 'the admin page to show the ban',
    })

    await row.locator('button[data-action=unban]').click()
    await result.filter({ hasText: /^unban: updated$/ }).waitFor({ timeout: 10_000 })
    await signInThroughForm(userPage, a, user.email, user.password)
    expect(await userPage.textContent('[data-testid=email]')).toBe(user.email)
  })

  it('renders the observability dashboard with its charts (screenshot in test-artifacts/)', async () => {
    const c = fleet.apps[2]!
    const page = await (await browser.newContext({ viewport: { width: 900, height: 1100 } })).newPage()
    await signInThroughForm(page, c, 'alice@example.com', 'alice-demo-password')
    await page.goto(`${c.url}/observability`)
    mkdirSync(ARTIFACTS, { recursive: true })
    await page
      .waitForSelector('[data-testid=dashboard] svg[data-chart=stacked-bars] rect', {
        state: 'attached',
        timeout: 10_000,
      })
      .catch(async (error: Error) => {
        await page.screenshot({ path: new URL('observability-failed.png', ARTIFACTS).pathname, fullPage: true })
        throw new Error(`dashboard did not render (page: ${await page.textContent('main')})`, { cause: error })
      })
    expect(await page.locator('svg[data-chart]').count()).toBe(3)
    expect(await page.textContent('[data-testid=dashboard]')).toContain('redis')
    await page.screenshot({ path: new URL('observability.png', ARTIFACTS).pathname, fullPage: true })
  })
})
