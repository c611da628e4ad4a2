/**
 * Opens the connections the run will need (STS, and GitHub's ID-token endpoint on the OIDC path)
 * before the SDK is loaded, so the TCP and TLS handshakes run while it loads. Each warm socket
 * goes to the first request for exactly its protocol, host and port, through the agents
 * network/warm-agents.ts gives the SDK's request handler; anything else (another host, a retry after the
 * warm socket was used, a warm socket that failed or closed) gets a fresh connection as it would
 * without this module. With a proxy nothing is opened early: the proxy agents decide where
 * connections go. Only node:net and node:tls load with it: the step opens these sockets first.
 */
import type { ClientRequestArgs } from 'node:http'
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { endpointFlags, stsEndpointFor } from './endpoint-resolution.js'
import type { Settings } from '../settings.js'

export interface Preconnect {
  /** The warm sockets, for the agents of network/warm-agents.ts. */
  sockets: WarmSockets
  /** Where connections were opened early, as protocol//host:port. */
  targets: string[]
  /**
   * Settles once the early connection to `url`'s host has been handed to a request, or is gone
   * (failed, closed); at once if none was opened there.
   */
  whenTaken(url: string): Promise<void>
  /** Closes the warm sockets no request took. */
  close(): void
}

const keyOf = (protocol: string, host: string, port: number): string =>
  `${protocol}//${host}:${port}`

/** The key of the connection an agent is asked for (its options carry host and port). */
function keyFor(protocol: string, options: ClientRequestArgs): string {
  const port = Number(options.port ?? options.defaultPort)
  return keyOf(protocol, options.host ?? options.hostname ?? '', port)
}

/** protocol//host:port of an http(s) URL, with the default port filled in. */
function targetOf(url: string): { protocol: string; host: string; port: number } | undefined {
  try {
    const u = new URL(url)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80
    // URL keeps IPv6 brackets; sockets and agents use the bare address.
    return { protocol: u.protocol, host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port }
  } catch {
    return undefined
  }
}

/**
 * How long a request waits for a warm socket's handshake before taking it as it is (its own
 * request timeout then applies, as to any connection): the SDK's connection timeout (network/sts.ts).
 */
const HANDSHAKE_WAIT_MS = 5_000

interface Warm {
  socket: Socket
  /** Settles true once connected (TLS: handshake done), false if it failed or closed first. */
  ready: Promise<boolean>
  openedAt: number
  /** Called once the socket is handed to a request or given up; settles its `whenTaken`. */
  settle: () => void
}

/** The warm sockets, each handed out at most once. */
export class WarmSockets {
  private readonly sockets = new Map<string, Warm>()
  /** Per key, settled once its socket was handed out or given up (kept after it leaves `sockets`). */
  private readonly handedOut = new Map<string, Promise<void>>()

  open(url: string): string | undefined {
    const target = targetOf(url)
    if (!target) return undefined
    const key = keyOf(target.protocol, target.host, target.port)
    if (this.sockets.has(key)) return key
    const { host, port } = target
    const socket =
      target.protocol === 'https:'
        ? // No SNI for an IP address, as https.Agent does.
          tlsConnect({ host, port, servername: isIP(host) ? undefined : host })
        : netConnect({ host, port })
    // As the agents set up their own connections (noDelay, keepAlive at keepAliveMsecs).
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 1000)
    // A failure here is not the run's failure: the request that would have used the socket
    // connects afresh and meets (and reports) the same problem in the usual way.
    socket.on('error', () => this.drop(key, socket))
    socket.on('close', () => this.drop(key, socket))
    const ready = new Promise<boolean>(resolve => {
      socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => resolve(true))
      socket.once('close', () => resolve(false))
    })
    // Never keep the process alive for a socket no request may take.
    socket.unref()
    let settle = (): void => undefined
    const taken = new Promise<void>(resolve => (settle = resolve))
    this.sockets.set(key, { socket, ready, openedAt: Date.now(), settle })
    this.handedOut.set(key, taken)
    return key
  }

  whenTaken(url: string): Promise<void> {
    const target = targetOf(url)
    const key = target && keyOf(target.protocol, target.host, target.port)
    return (key && this.handedOut.get(key)) || Promise.resolve()
  }

  has(protocol: string, options: ClientRequestArgs): boolean {
    return this.sockets.has(keyFor(protocol, options))
  }

  /**
   * The warm socket for this request once its handshake is done, if it is still sound; none if it
   * failed (the request connects afresh). Checked on a later turn of the event loop: a reset
   * that arrived while the SDK was loading is only seen once the pending I/O has been read.
   */
  take(protocol: string, options: ClientRequestArgs, done: (socket?: Socket) => void): void {
    const key = keyFor(protocol, options)
    const warm = this.sockets.get(key)
    this.sockets.delete(key)
    if (!warm) return done()
    const { socket } = warm
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<boolean>(resolve => {
      timer = setTimeout(resolve, HANDSHAKE_WAIT_MS - (Date.now() - warm.openedAt), true)
    })
    void Promise.race([warm.ready, waited]).then(ok => {
      clearTimeout(timer)
      setImmediate(() => {
        warm.settle()
        if (!ok || socket.destroyed || !socket.writable || socket.readableEnded) {
          socket.destroy()
          return done()
        }
        socket.ref()
        done(socket)
      })
    })
  }

  close(): void {
    for (const { socket, settle } of this.sockets.values()) {
      socket.destroy()
      settle()
    }
    this.sockets.clear()
  }

  private drop(key: string, socket: Socket): void {
    const warm = this.sockets.get(key)
    if (warm?.socket === socket) {
      this.sockets.delete(key)
      warm.settle()
    }
    socket.destroy()
  }
}

/**
 * One turn of the event loop, for the early connections to progress: a TLS socket sends its
 * ClientHello, and answers the server's, only when the event loop reads its events, which
 * compiling the SDK's chunks holds off (measured: the hello went out only once the SDK had
 * loaded). Called between loading steps.
 */
export function letConnectionsProgress(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve))
}

/**
 * Opens the STS connection for the main region (the custom sts-endpoint, or the SDK's regional
 * endpoint) and, with a GitHub OIDC source, the ID-token endpoint's. Undefined with a proxy.
 */
export function preconnect(settings: Settings, env: NodeJS.ProcessEnv): Preconnect | undefined {
  if (settings.proxy.url) return undefined
  const urls: string[] = []
  if (settings.stsEndpoint) urls.push(settings.stsEndpoint)
  else {
    const flags = endpointFlags(env)
    const url = flags && stsEndpointFor(settings.region, flags)
    if (url) urls.push(url)
  }
  if (settings.source.kind === 'github-oidc') urls.push(settings.source.requestUrl)
  const warm = new WarmSockets()
  const targets = urls.flatMap(url => warm.open(url) ?? [])
  return {
    sockets: warm,
    targets,
    whenTaken: url => warm.whenTaken(url),
    close: () => warm.close()
  }
}
