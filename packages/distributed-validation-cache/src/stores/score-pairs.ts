import type { Change } from '../store.js'

/** ZRANGEBYSCORE … WITHSCORES as both clients return it: [member, score, member, score, …]. */
export function pairs(flat: (string | number)[]): Change[] {
  const changes: Change[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) changes.push({ member: String(flat[i]), score: Number(flat[i + 1]) })
  return changes
}
