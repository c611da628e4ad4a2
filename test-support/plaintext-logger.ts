/**
 * A plain-http server on 127.0.0.1 that records every request as it arrives in clear (what anyone
 * on the path of a cleartext endpoint could read) and forwards it to the emulator: the witness
 * that an ID token did, or did not, cross "the network" unencrypted.
 */
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LoggedRequest {
  method: string
  host: string
  path: string
  body: string
}

export interface PlaintextLogger {
  port: number
  log: LoggedRequest[]
  close(): Promise<void>
}

export async function startPlaintextLogger(targetPort: number): Promise<PlaintextLogger> {
  const log: LoggedRequest[] = []
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      log.push({
        method: incoming.method ?? '',
        host: incoming.headers.host ?? '',
        path: incoming.url ?? '',
        body: body.toString('utf8')
      })
      const upstream = request(
        {
          host: '127.0.0.1',
          port: targetPort,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers
        },
        response => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers)
          response.pipe(outgoing)
        }
      )
      upstream.on('error', () => outgoing.destroy())
      upstream.end(body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    log,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
