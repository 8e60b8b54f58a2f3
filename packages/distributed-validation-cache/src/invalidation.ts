import { sign, verify } from './signing.js'

/**
 * What travels on the fleet channel, signed so that a client able to publish on Redis can neither
 * make instances thrash nor forge an origin or an order:
 * - `invalidate`: a user changed; drop them from L1. `order` is the `checkedAt` of the state the
 *   sender wrote to L2: an instance rejects any state of that user older than it from then on.
 * - `heartbeat`: a process's own probe, heard back to prove its subscription delivers (liveness.ts).
 */
export type FleetMessage =
  | { kind: 'invalidate'; userId: string; origin: string; order: number }
  | { kind: 'heartbeat'; seq: number; origin: string }

type Wire = [kind: 'i' | 'h', subject: string, origin: string, order: number, signature: string]

export function encodeMessage(secret: string, message: FleetMessage): string {
  const fields = message.kind === 'invalidate'
    ? ['i', message.userId, message.origin, message.order]
    : ['h', String(message.seq), message.origin, 0]
  return JSON.stringify([...fields, sign(secret, JSON.stringify(fields))])
}

export function decodeMessage(secret: string, raw: string): FleetMessage | undefined {
  let wire: unknown
  try {
    wire = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (!Array.isArray(wire) || wire.length !== 5) return undefined
  const [kind, subject, origin, order, signature] = wire as Wire
  if ((kind !== 'i' && kind !== 'h') || typeof subject !== 'string' || typeof origin !== 'string') return undefined
  if (typeof order !== 'number' || !Number.isFinite(order)) return undefined
  if (!verify(secret, JSON.stringify([kind, subject, origin, order]), signature)) return undefined
  if (kind === 'i') return { kind: 'invalidate', userId: subject, origin, order }
  const seq = Number(subject)
  return Number.isSafeInteger(seq) ? { kind: 'heartbeat', seq, origin } : undefined
}
