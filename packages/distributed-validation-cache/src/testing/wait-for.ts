/** Polls until `check` passes or the deadline is reached (then throws with the last error). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  { timeoutMs = 5_000, intervalMs = 20, what = 'condition' } = {},
): Promise<Exclude<T, false | undefined | null>> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== false && value !== undefined && value !== null) return value as Exclude<T, false | undefined | null>
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError })
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
