/** `dvc-doctor [--strict]` (`pnpm run doctor` here): checks the environment the app would run with. Exit 0 healthy, 1 not. */
import { fromEnv } from '../config.js'
import { doctor, upstashSubscribes } from '../doctor.js'

const strict = process.argv.includes('--strict')
const report = await doctor()
if (report.problems.length === 0) {
  const config = fromEnv()
  if (config.cache.provider === 'upstash' && config.subscribe && !(await upstashSubscribes(config))) {
    report.warnings.push('Upstash did not confirm a subscription: set VALIDATION_CACHE_SUBSCRIBE=false and VALIDATION_CACHE_L1_TTL="1 s"')
  }
}
for (const line of report.lines) console.log(line)
for (const warning of report.warnings) console.log(`warning: ${warning}`)
for (const problem of report.problems) console.log(`PROBLEM: ${problem}`)
const failed = report.problems.length > 0 || (strict && report.warnings.length > 0)
console.log(failed ? 'doctor: not healthy' : `doctor: healthy${report.warnings.length ? ` (${report.warnings.length} warning(s))` : ''}`)
process.exit(failed ? 1 : 0)
