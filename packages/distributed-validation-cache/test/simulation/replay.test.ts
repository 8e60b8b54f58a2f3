import { it } from 'vitest'
import { runSchedule } from './runner.js'
import type { Schedule } from './schedule.js'

/**
 * One schedule, replayed with every engine event in its trace: paste a counterexample fast-check
 * printed. SIM_SCHEDULE='<json>' SIM_TRACE=1 npx vitest run test/simulation/replay
 */
const json = process.env.SIM_SCHEDULE
it.skipIf(json === undefined)('replays SIM_SCHEDULE', async () => {
  const schedule = JSON.parse(json!) as Schedule
  try {
    const { trace, ...figures } = await runSchedule(schedule, {
      assertLockout: true,
      assertLookups: schedule.profile === 'healthy',
    })
    console.log(`${trace.join('\n')}\n`, figures)
  } catch (error) {
    console.log(String(error))
    throw error
  }
})
