/**
 * A loopback TCP link with a round-trip time (tests and benchmarks): each byte reaches the other
 * side RTT/2 after it was sent, and a new connection carries nothing for one RTT (the TCP
 * handshake a real connection pays before its first byte). Nagle is off on every socket, or
 * loopback's delayed ACKs would add ~40 ms to small writes.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

export interface DelayLink {
  port: number
  rttMs: number
  /** Connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

export async function startDelayLink(targetPort: number, rttMs: number): Promise<DelayLink> {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let accepted = 0
  const later = (ms: number, fn: () => void): void => {
    if (ms <= 0) return fn()
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }
  const server = createServer(client => {
    accepted++
    client.setNoDelay(true)
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    upstream.setNoDelay(true)
    const openedAt = performance.now()
    // Equal delays fire in the order they were set, so bytes keep their order in each direction.
    const forward = (from: Socket, to: Socket, setup: boolean): void => {
      from.on('data', chunk => {
        const wait = setup
          ? Math.max(rttMs / 2, openedAt + rttMs + rttMs / 2 - performance.now())
          : rttMs / 2
        later(wait, () => {
          if (!to.destroyed) to.write(chunk)
        })
      })
      from.on('end', () => later(rttMs / 2, () => to.end()))
    }
    forward(client, upstream, true)
    forward(upstream, client, false)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => {
        sockets.delete(s)
        later(rttMs / 2, () => {
          client.destroy()
          upstream.destroy()
        })
      })
      s.on('error', () => undefined)
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    rttMs,
    connections: () => accepted,
    close: () =>
      new Promise(resolve => {
        for (const t of timers) clearTimeout(t)
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
