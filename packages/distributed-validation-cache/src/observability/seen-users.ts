/** Per flush interval; beyond it active users are undercounted, not unbounded. */
const MAX_SEEN = 100_000

/**
 * The users validated since the last drain, collected only once fleet metrics ask for them
 * (they count distinct users without the cache keeping ids it does not need).
 */
export class SeenUsers {
  #users: Set<string> | undefined

  add(userId: string): void {
    if (this.#users && this.#users.size < MAX_SEEN) this.#users.add(userId)
  }

  /** Starts collecting; the returned function hands over and clears what was collected. */
  observe(): () => string[] {
    this.#users ??= new Set()
    return () => {
      const users = [...(this.#users ?? [])]
      this.#users?.clear()
      return users
    }
  }
}
