/** Fault injection, so that clients' error and timeout handling can be tested for real. */

export type Fault = { status: number } | { delayMs: number }

/** Rejects faults Node could not serve (a 1xx final status) or that make no sense. */
export function checkFault(fault: Fault | null): Fault | null {
  if (fault === null) return null
  if ('status' in fault) {
    if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
      throw new RangeError(`setFault: status must be an integer from 200 to 599, got ${String(fault.status)}`)
    }
    return { status: fault.status }
  }
  if ('delayMs' in fault) {
    if (!Number.isFinite(fault.delayMs) || fault.delayMs < 0) {
      throw new RangeError(`setFault: delayMs must be a finite number >= 0, got ${String(fault.delayMs)}`)
    }
    return { delayMs: fault.delayMs }
  }
  throw new TypeError('setFault: expected { status }, { delayMs } or null')
}
