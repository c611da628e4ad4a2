/**
 * HTTPS for the loopback emulator (tests and benchmarks): a throwaway CA and a server certificate
 * for 127.0.0.1 made with the openssl CLI, and a TLS terminator that pipes each decrypted
 * connection to a plain-TCP target. Clients trust the CA through NODE_EXTRA_CA_CERTS, as a runner
 * with a corporate CA would.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:tls'

export interface ThrowawayCa {
  /** PEM file of the CA certificate: the value for NODE_EXTRA_CA_CERTS. */
  caFile: string
  key: string
  cert: string
  remove(): void
}

/**
 * A CA and a certificate for IP 127.0.0.1 (and localhost, and `names`: host names a private hosts
 * file maps to loopback, test-support/netns.ts) signed by it, valid for one day.
 */
export function makeThrowawayCa(names: string[] = []): ThrowawayCa {
  const dir = mkdtempSync(join(tmpdir(), 'ca-'))
  const file = (name: string): string => join(dir, name)
  const openssl = (args: string[]): void => {
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
      throw new Error(
        missing
          ? 'HTTPS mode needs the openssl CLI: apt-get install openssl'
          : `openssl ${args[0]} failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`,
        { cause: error }
      )
    }
  }
  const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl([
    'req',
    '-x509',
    ...curve,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=throwaway test CA'
  ])
  openssl([
    'req',
    ...curve,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=127.0.0.1'
  ])
  writeFileSync(
    file('ext.cnf'),
    `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...names.map(name => `DNS:${name}`)].join(',')}\nbasicConstraints=CA:FALSE\n`
  )
  openssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '1',
    '-extfile',
    file('ext.cnf')
  ])
  return {
    caFile: file('ca.pem'),
    key: readFileSync(file('server.key'), 'utf8'),
    cert: readFileSync(file('server.pem'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

export interface TlsFront {
  port: number
  /** TLS handshakes completed so far. */
  handshakes(): number
  close(): Promise<void>
}

/** Terminates TLS on 127.0.0.1 and pipes each connection to 127.0.0.1:targetPort. */
export async function startTlsFront(ca: ThrowawayCa, targetPort: number): Promise<TlsFront> {
  const sockets = new Set<Socket>()
  let handshakes = 0
  const server = createServer({ key: ca.key, cert: ca.cert }, client => {
    handshakes++
    client.setNoDelay(true)
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    upstream.setNoDelay(true)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  server.on('tlsClientError', () => undefined)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    handshakes: () => handshakes,
    close: () =>
      new Promise(resolve => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
