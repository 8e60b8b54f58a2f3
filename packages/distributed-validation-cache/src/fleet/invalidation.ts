import { sign, verify } from '../crypto/signing.js'
import { type Beat, decodeBeat } from './heartbeat.js'

/**
 * What travels on the fleet channel and in the change log, signed so that a client able to write
 * to Redis can neither make instances thrash nor forge an origin or an order. `invalidate`: a
 * user changed; drop them from L1. `order` is the `checkedAt` of the state the sender wrote to L2:
 * an instance refuses older states of that user from then on. `logId`: the change's id in the log
 * (empty in the log entry itself), so an instance knows which log entries it heard by broadcast.
 * The kind leads the wire form, for kinds to come.
 */
export type FleetMessage = { kind: 'invalidate'; userId: string; origin: string; order: number; logId: string }

/**
 * `fill`: a lookup wrote this entry to L2. Waiters for the user's lock take it without a GET, and
 * instances holding the user refresh their copy. The entry is signed with the user id already; it
 * is judged like an L2 read (signature, order, freshness) where it is used, so the wrapper is not.
 */
export type FleetFill = { kind: 'fill'; userId: string; origin: string; entry: string }

type Wire = [kind: 'i', subject: string, origin: string, order: number, logId: string, signature: string]

export function encodeFill(fill: Omit<FleetFill, 'kind'>): string {
  return JSON.stringify(['f', fill.userId, fill.origin, fill.entry])
}

export async function encodeMessage(secret: string, message: FleetMessage): Promise<string> {
  const fields = ['i', message.userId, message.origin, message.order, message.logId]
  return JSON.stringify([...fields, await sign(secret, JSON.stringify(fields))])
}

export async function decodeMessage(secret: string, raw: string): Promise<FleetMessage | FleetFill | Beat | undefined> {
  let wire: unknown
  try {
    wire = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (Array.isArray(wire) && wire.length === 4 && wire[0] === 'f' && wire.every((v) => typeof v === 'string')) {
    const [, userId, origin, entry] = wire as string[] as [string, string, string, string]
    return { kind: 'fill', userId, origin, entry }
  }
  if (Array.isArray(wire) && wire[0] === 'b') return decodeBeat(secret, wire)
  if (!Array.isArray(wire) || wire.length !== 6) return undefined
  const [kind, subject, origin, order, logId, signature] = wire as Wire
  if (kind !== 'i' || typeof subject !== 'string' || typeof origin !== 'string' || typeof logId !== 'string')
    return undefined
  if (typeof order !== 'number' || !Number.isFinite(order)) return undefined
  if (!(await verify(secret, JSON.stringify([kind, subject, origin, order, logId]), signature))) return undefined
  return { kind: 'invalidate', userId: subject, origin, order, logId }
}
