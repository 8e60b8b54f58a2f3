import { createServer, Socket, type AddressInfo, type Server } from 'node:net'

/**
 * What happens to the bytes of a connection: passed on, dropped (socket left open), held back,
 * or — `headers-only` — an HTTP response's headers passed and its body dropped (a buffering
 * proxy in front of a server-sent event stream).
 */
export type Fault = { kind: 'pass' } | { kind: 'blackhole' } | { kind: 'delay'; ms: number } | { kind: 'headers-only' }

interface Link {
  client: Socket
  server: Socket
  /** The client sent SUBSCRIBE on it (a Redis subscriber) or asked for /subscribe/… (an Upstash SSE stream). */
  subscriber: boolean
  /** Response bytes seen so far while the headers are not complete (headers-only). */
  head: string
  /** Per direction, the chunks held back, in order: TCP never reorders, not even as a delay ends. */
  held: Map<Socket, { chunk: Buffer; due: number }[]>
}

/**
 * A TCP proxy of the test's own between a client and one server, for the failures a network
 * makes silently: a NAT that forgets a connection (bytes vanish, nothing closes), a link that
 * crawls. Faults apply to every connection or only to subscriber connections, and can be lifted.
 */
export class TcpProxy {
  readonly #links = new Set<Link>()
  #server: Server | undefined
  #fault: Fault = { kind: 'pass' }
  #onlySubscribers = false
  port = 0

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<this> {
    this.#server = createServer((client) => this.#link(client))
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.#server.address() as AddressInfo).port
    return this
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** From now on, `fault` applies to every connection, or only to Redis subscriber connections. */
  set(fault: Fault, { onlySubscribers = false } = {}): void {
    this.#fault = fault
    this.#onlySubscribers = onlySubscribers
  }

  heal(): void {
    this.set({ kind: 'pass' })
  }

  /** Connections open now, and how many of them are subscribers. */
  get connections(): { total: number; subscribers: number } {
    return { total: this.#links.size, subscribers: [...this.#links].filter((l) => l.subscriber).length }
  }

  async stop(): Promise<void> {
    for (const link of this.#links) {
      link.client.destroy()
      link.server.destroy()
    }
    this.#links.clear()
    await new Promise((resolve) => this.#server?.close(resolve))
  }

  #link(client: Socket): void {
    const server = new Socket()
    const link: Link = { client, server, subscriber: false, head: '', held: new Map() }
    this.#links.add(link)
    const close = () => {
      this.#links.delete(link)
      client.destroy()
      server.destroy()
    }
    client.on('error', close).on('close', close)
    server.on('error', close).on('close', close)
    server.connect(this.target.port, this.target.host)
    client.on('data', (chunk: Buffer) => {
      if (/subscribe/i.test(chunk.toString('latin1'))) link.subscriber = true
      this.#forward(link, chunk, server)
    })
    server.on('data', (chunk: Buffer) => this.#forward(link, chunk, client))
  }

  #forward(link: Link, chunk: Buffer, to: Socket): void {
    const fault = this.#onlySubscribers && !link.subscriber ? { kind: 'pass' as const } : this.#fault
    if (fault.kind === 'blackhole') return // gone, as through a NAT that forgot the connection
    if (fault.kind === 'headers-only') {
      if (to !== link.client || link.head.includes('\r\n\r\n')) return
      const before = link.head.length
      link.head += chunk.toString('latin1')
      const end = link.head.indexOf('\r\n\r\n')
      chunk = end < 0 ? chunk : chunk.subarray(0, Math.max(0, end + 4 - before))
    }
    const delay = fault.kind === 'delay' ? fault.ms : 0
    const held = link.held.get(to) ?? []
    if (delay === 0 && held.length === 0) {
      if (to.writable) to.write(chunk)
      return
    }
    held.push({ chunk, due: performance.now() + delay })
    link.held.set(to, held)
    if (held.length === 1) this.#release(held, to)
  }

  /** Writes held chunks in order, each once it is due (and never before the one ahead of it). */
  #release(held: { chunk: Buffer; due: number }[], to: Socket): void {
    const next = held[0]
    if (!next) return
    setTimeout(
      () => {
        held.shift()
        if (to.writable) to.write(next.chunk)
        this.#release(held, to)
      },
      Math.max(0, next.due - performance.now()),
    )
  }
}
