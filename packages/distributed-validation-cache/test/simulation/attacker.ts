import { changeLogKey, entryKey, invalidationChannel, lockKey } from '../../src/tiers/keys.js'
import type { Backing } from './backing.js'
import type { AttackOp } from './schedule.js'

const MAX_ID = '18446744073709551615-18446744073709551615'
const HOUR = 3_600_000

/**
 * A Redis client without the secret, acting on the backing state directly (no connection, no
 * faults: it is next to Redis). It can save what went by (Backing.published, Backing.written) and
 * write it back, delete keys and log entries, and write junk; it cannot sign. Returns what it did.
 */
export function attack(backing: Backing, prefix: string, op: AttackOp, userId: string, pick: number): string {
  try {
    return act(backing, prefix, op, userId, pick)
  } catch (error) {
    return `${op} refused by Redis: ${(error as Error).message}` // XDEL on a key SET to a string
  }
}

function act(backing: Backing, prefix: string, op: AttackOp, userId: string, pick: number): string {
  const log = changeLogKey(prefix)
  const key = entryKey(prefix, userId)
  switch (op) {
    case 'replay': {
      // A validly signed entry of this user, saved earlier, written back for as long as it likes.
      const saved = backing.written.filter((w) => w.key === key)
      if (saved.length === 0) return 'replay: nothing saved'
      backing.set(key, saved[pick % saved.length]!.value, HOUR)
      return `replay #${pick % saved.length} of ${saved.length}`
    }
    case 'republish': {
      const recorded = backing.published.filter((p) => p.channel === invalidationChannel(prefix))
      if (recorded.length === 0) return 'republish: nothing recorded'
      const { channel, message } = recorded[pick % recorded.length]!
      backing.publish(channel, message, false)
      return `republish #${pick % recorded.length} of ${recorded.length}`
    }
    case 'junk-entry':
      backing.set(key, pick % 2 ? 'junk' : '[2,1,0,null,null,1,9e15,null,"AAAA"]', HOUR)
      return 'junk entry'
    case 'del-entry':
      backing.del(key)
      return 'DEL entry'
    case 'del-lock':
      backing.del(lockKey(prefix, userId))
      return 'DEL lock'
    case 'junk-log':
      for (let i = 0; i <= pick % 5; i++) backing.xadd(log, `junk-${i}`)
      return `${(pick % 5) + 1} junk log entries`
    case 'xdel-newest': {
      const ids = backing.xtail(log, (pick % 3) + 1).map((e) => e.id)
      return `XDEL newest ${backing.xdel(log, ids)}`
    }
    case 'xdel-any': {
      const all = backing.xtail(log, 10_000)
      if (all.length === 0) return 'XDEL: empty log'
      return `XDEL ${backing.xdel(log, [all[pick % all.length]!.id])}`
    }
    case 'del-log':
      backing.del(log)
      return 'DEL log'
    case 'wedge':
      try {
        backing.xadd(log, 'junk', Number.POSITIVE_INFINITY, HOUR, MAX_ID)
      } catch {
        return 'wedge: already wedged'
      }
      return 'XADD last possible id'
    case 'future-id':
      try {
        backing.xadd(log, 'junk', Number.POSITIVE_INFINITY, HOUR, `${Date.now() + HOUR}-0`)
      } catch {
        return 'future id: log already ahead'
      }
      return 'XADD id an hour ahead'
    case 'set-log':
      backing.set(log, 'junk', HOUR)
      return 'SET log key'
  }
}
