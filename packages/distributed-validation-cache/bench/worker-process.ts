import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Wall-clock milliseconds with sub-ms precision, comparable across the benchmark's processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now()

interface Message {
  type: string
}

/**
 * A benchmark worker (a .ts file beside this one) in a process of its own, talking over IPC.
 * A worker that dies fails whatever waits on it, so a benchmark never hangs on a dead process.
 */
export class WorkerProcess<In extends Message, Out extends Message> {
  readonly #child: ChildProcess
  readonly #inbox: Out[] = []
  readonly #waiting = new Set<() => void>()
  #dead: Error | undefined

  constructor(file: string, args: string[]) {
    this.#child = fork(fileURLToPath(new URL(file, import.meta.url)), args, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.#child.on('message', (message: Out) => {
      this.#inbox.push(message)
      this.#wakeAll()
    })
    // 'close', not 'exit': by then every message the worker sent has been delivered.
    this.#child.on('close', (code, signal) =>
      this.#die(new Error(`benchmark worker ${file} exited (${signal ?? code})`)),
    )
    this.#child.on('error', (error) => this.#die(error))
  }

  #die(error: Error): void {
    this.#dead ??= error
    this.#wakeAll()
  }

  #wakeAll(): void {
    for (const wake of this.#waiting) wake()
  }

  send(message: In): void {
    if (this.#dead || !this.#child.connected) throw this.#dead ?? new Error('benchmark worker is not connected')
    this.#child.send(message, (error) => error && this.#die(error))
  }

  /** The next message of this type, or an error if the worker dies or `timeoutMs` passes first. */
  async next<T extends Out['type']>(type: T, timeoutMs = 30_000): Promise<Extract<Out, { type: T }>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.#inbox.findIndex((m) => m.type === type)
      if (index >= 0) return this.#inbox.splice(index, 1)[0] as Extract<Out, { type: T }>
      if (this.#dead) throw this.#dead
      if (Date.now() > deadline) throw new Error(`no "${type}" from a benchmark worker within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer)
          this.#waiting.delete(wake)
          resolve()
        }
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()) + 1)
        this.#waiting.add(wake)
      })
    }
  }

  /** Asks the worker to finish (it closes its clients on disconnect); kills it if it does not. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    if (this.#child.connected) this.#child.disconnect()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
}
