/**
 * A loopback forward proxy that logs what passes through it, as RFC 9110/9112 define one:
 * absolute-form requests for plain-http targets (RFC 9112 §3.2.2; the proxy reads them in clear)
 * and CONNECT tunnels for https targets (RFC 9110 §9.3.6: it sees only `CONNECT host:port`, then
 * bytes it cannot read). Optionally it demands Proxy-Authorization (Basic, RFC 9110 §11.7.1: 407
 * with Proxy-Authenticate otherwise), and listens over TLS itself (an https:// proxy). Enough to
 * show where the action's calls go and what a proxy sees.
 */
import {
  createServer as createHttpServer,
  request,
  type IncomingMessage,
  type Server
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect, type AddressInfo, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ThrowawayCa } from './tls-front.js'

export interface ProxyLogEntry {
  method: string
  /** The absolute URL of a proxied request, or host:port of a CONNECT. */
  target: string
  /** The Proxy-Authorization header as received, if any. */
  authorization?: string
  /** For proxied plain-http requests: the body, as the proxy read it in clear. */
  body?: string
}

export interface ForwardProxy {
  url: string
  /** Target URLs of the plain-http requests proxied so far. */
  seen: string[]
  /** Every request and CONNECT, in order. */
  log: ProxyLogEntry[]
  close(): Promise<void>
}

export interface ForwardProxyOptions {
  /** `user:password` the proxy demands; anything else gets 407. */
  auth?: string
  /** Listen over TLS with this CA's certificate for 127.0.0.1 (an https:// proxy). */
  tls?: ThrowawayCa
}

export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const seen: string[] = []
  const log: ProxyLogEntry[] = []
  const sockets = new Set<Duplex>()
  const expected = options.auth
    ? `Basic ${Buffer.from(options.auth).toString('base64')}`
    : undefined
  const authorised = (incoming: IncomingMessage): boolean =>
    !expected || incoming.headers['proxy-authorization'] === expected
  const handler = (
    incoming: IncomingMessage,
    outgoing: import('node:http').ServerResponse
  ): void => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      log.push({
        method: incoming.method ?? '',
        target: incoming.url ?? '',
        authorization: incoming.headers['proxy-authorization'],
        body
      })
      if (!authorised(incoming)) {
        outgoing.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end()
        return
      }
      seen.push(incoming.url ?? '')
      const target = new URL(incoming.url ?? '')
      const headers = { ...incoming.headers }
      Reflect.deleteProperty(headers, 'proxy-authorization')
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: incoming.method,
          headers
        },
        response => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers)
          response.pipe(outgoing)
        }
      )
      upstream.on('error', () => outgoing.destroy())
      upstream.end(body)
    })
  }
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : createHttpServer(handler)
  server.on('connect', (incoming: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    log.push({
      method: 'CONNECT',
      target: incoming.url ?? '',
      authorization: incoming.headers['proxy-authorization']
    })
    if (!authorised(incoming)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n'
      )
      return
    }
    const [host = '', port = '443'] = (incoming.url ?? '').split(/:(?=\d+$)/)
    const upstream: Socket = connect({ host, port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      client.pipe(upstream).pipe(client)
    })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    log,
    close: () =>
      new Promise(resolve => {
        for (const socket of sockets) socket.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
