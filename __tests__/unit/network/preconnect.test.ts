/**
 * Which request gets the early connection (src/network/preconnect.ts): only one for the same protocol,
 * host and port, once; any other request connects as usual, and close() ends what nobody took.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { createServer, request, type Agent, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { preconnect, type Preconnect } from '../../../src/network/preconnect.js'
import type { Settings } from '../../../src/settings.js'
import { warmAgents } from '../../../src/network/warm-agents.js'

/** The HTTP agent the SDK's handler would get for these early connections. */
const agentOf = (warm: Preconnect | undefined): Agent | undefined =>
  warm && warmAgents(warm.sockets).httpAgent

interface Observed {
  server: Server
  url: string
  connections: Socket[]
  requests: string[]
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(s => new Promise(resolve => s.close(resolve)).then(() => undefined))
  )
})

async function observedServer(): Promise<Observed> {
  const connections: Socket[] = []
  const requests: string[] = []
  const server = createServer({ keepAliveTimeout: 100 }, (req, res) => {
    requests.push(req.url ?? '')
    res.end('ok')
  })
  server.on('connection', socket => connections.push(socket))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { server, url, connections, requests }
}

/** The parts of the plan preconnect reads; the rest does not matter to it. */
function plan(stsEndpoint: string | undefined, proxyUrl?: string): Settings {
  return {
    region: 'us-east-1',
    stsEndpoint,
    source: { kind: 'access-keys', keys: { accessKeyId: 'AKID', secretAccessKey: 'secret' } },
    proxy: { url: proxyUrl, fromInput: proxyUrl !== undefined }
  } as Settings
}

function get(url: string, agent: Agent | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, res => {
      let body = ''
      res.setEncoding('utf8').on('data', c => (body += c))
      res.on('end', () => resolve(body))
    })
      .on('error', reject)
      .end()
  })
}

const settle = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

describe('preconnect', () => {
  test('the first request to the same host and port rides the early connection', async () => {
    const sts = await observedServer()
    const warm = preconnect(plan(sts.url), {})
    expect(warm?.targets).toEqual([`http:${sts.url.slice(5)}`])
    await settle(50)
    expect(sts.connections).toHaveLength(1)
    expect(await get(`${sts.url}/first`, agentOf(warm))).toBe('ok')
    expect(sts.connections).toHaveLength(1)
    expect(sts.requests).toEqual(['/first'])
    warm?.close()
  })

  test('a request elsewhere connects as usual; close() ends the unused early connection', async () => {
    const guessed = await observedServer()
    const actual = await observedServer()
    const warm = preconnect(plan(guessed.url), {})
    await settle(50)
    expect(await get(`${actual.url}/call`, agentOf(warm))).toBe('ok')
    expect(actual.requests).toEqual(['/call'])
    expect(guessed.requests).toEqual([])
    const early = guessed.connections[0]
    expect(early?.destroyed).toBe(false)
    const closed = new Promise(resolve => early?.once('close', resolve))
    warm?.close()
    await closed
    expect(early?.destroyed).toBe(true)
  })

  test('whenTaken settles once a request has the early connection, at once for other hosts', async () => {
    const sts = await observedServer()
    const other = await observedServer()
    const warm = preconnect(plan(sts.url), {})
    let taken = false
    void warm?.whenTaken(`${sts.url}/token?audience=sts`).then(() => (taken = true))
    await expect(warm?.whenTaken(other.url)).resolves.toBeUndefined()
    await settle(50)
    expect(taken).toBe(false)
    expect(await get(`${sts.url}/first`, agentOf(warm))).toBe('ok')
    expect(taken).toBe(true)
    warm?.close()
  })

  test('whenTaken settles when the early connection fails before any request', async () => {
    const sts = await observedServer()
    sts.server.once('connection', socket => socket.destroy())
    const warm = preconnect(plan(sts.url), {})
    await expect(warm?.whenTaken(sts.url)).resolves.toBeUndefined()
    warm?.close()
  })

  test('a second request (a retry) does not get a used early connection twice', async () => {
    const sts = await observedServer()
    const warm = preconnect(plan(sts.url), {})
    await settle(50)
    const agent = agentOf(warm)
    await Promise.all([get(`${sts.url}/a`, agent), get(`${sts.url}/b`, agent)])
    expect(sts.requests.sort()).toEqual(['/a', '/b'])
    expect(sts.connections).toHaveLength(2)
    warm?.close()
  })

  test('an early connection that failed is replaced by a fresh one', async () => {
    const sts = await observedServer()
    sts.server.once('connection', socket => socket.destroy())
    const warm = preconnect(plan(sts.url), {})
    await settle(50)
    expect(await get(`${sts.url}/after`, agentOf(warm))).toBe('ok')
    expect(sts.requests).toEqual(['/after'])
    expect(sts.connections).toHaveLength(2)
    warm?.close()
  })

  test('with a proxy nothing is opened early', async () => {
    const sts = await observedServer()
    expect(preconnect(plan(sts.url, 'http://127.0.0.1:9'), {})).toBeUndefined()
    await settle(50)
    expect(sts.connections).toHaveLength(0)
  })

  test('without sts-endpoint it connects to the regional endpoint the SDK would use', () => {
    // Only the target is checked (no DNS on this machine): the connection itself fails quietly.
    const warm = preconnect(plan(undefined), { AWS_USE_FIPS_ENDPOINT: 'true' })
    expect(warm?.targets).toEqual(['https://sts-fips.us-east-1.amazonaws.com:443'])
    warm?.close()
    const none = preconnect(plan(undefined), { AWS_ENDPOINT_URL_STS: 'https://elsewhere.test' })
    expect(none?.targets).toEqual([])
    none?.close()
  })
})
