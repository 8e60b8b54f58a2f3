import { sign, verify } from './signing.js'

/**
 * What travels on the fleet channel, signed so that a client able to publish on Redis can neither
 * make instances thrash nor forge an origin or an order. `invalidate`: a user changed; drop them
 * from L1. `order` is the `checkedAt` of the state the sender wrote to L2: an instance rejects any
 * state of that user older than it from then on. The kind leads the wire form, for kinds to come.
 */
export type FleetMessage = { kind: 'invalidate'; userId: string; origin: string; order: number }

type Wire = [kind: 'i', subject: string, origin: string, order: number, signature: string]

export function encodeMessage(secret: string, message: FleetMessage): string {
  const fields = ['i', message.userId, message.origin, message.order]
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
  if (kind !== 'i' || typeof subject !== 'string' || typeof origin !== 'string') return undefined
  if (typeof order !== 'number' || !Number.isFinite(order)) return undefined
  if (!verify(secret, JSON.stringify([kind, subject, origin, order]), signature)) return undefined
  return { kind: 'invalidate', userId: subject, origin, order }
}
