/**
 * Early connections (src/network/preconnect.ts) through the committed bundle, over HTTPS with a throwaway
 * CA: the warm connection carries the STS call (one connection, one TLS handshake), a pre-connection
 * that dies changes nothing even with retries off, and with a proxy nothing is opened early.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { startDelayLink, type DelayLink } from '../../test-support/delay-link.js'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import { startForwardProxy, type ForwardProxy } from '../../test-support/forward-proxy.js'
import { MAIN_ENTRY, errorMessage, runStep } from '../../test-support/runner.js'
import {
  makeThrowawayCa,
  startTlsFront,
  type ThrowawayCa,
  type TlsFront
} from '../../test-support/tls-front.js'

let emu: Emulator
let ca: ThrowawayCa
let front: TlsFront
let sts: DelayLink
let github: DelayLink
let proxy: ForwardProxy
beforeAll(async () => {
  emu = await startEmulator()
  ca = makeThrowawayCa()
  front = await startTlsFront(ca, emu.port)
  sts = await startDelayLink(front.port, 0)
  github = await startDelayLink(front.port, 0)
  proxy = await startForwardProxy()
})
afterAll(async () => {
  await Promise.all([sts.close(), github.close(), proxy.close()])
  await front.close()
  await emu.close()
  ca.remove()
})

const keysInputs = (endpoint: string): Record<string, string> => ({
  'aws-region': 'us-east-1',
  'role-to-assume': SEED.roles.deploy,
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey,
  'sts-endpoint': endpoint
})
const tls = { NODE_EXTRA_CA_CERTS: '' }
beforeAll(() => {
  tls.NODE_EXTRA_CA_CERTS = ca.caFile
})

test('keys→role: the early connection carries the one STS call (one connection, one handshake)', async () => {
  const [connections, handshakes] = [sts.connections(), front.handshakes()]
  emu.resetStats()
  const main = await runStep(MAIN_ENTRY, {
    inputs: keysInputs(`https://127.0.0.1:${sts.port}`),
    env: tls
  })
  expect(errorMessage(main)).toBeUndefined()
  expect(main.code).toBe(0)
  expect(main.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
  expect(emu.stats().AssumeRole).toBe(1)
  expect(sts.connections() - connections).toBe(1)
  expect(front.handshakes() - handshakes).toBe(1)
})

test('OIDC→role: one connection each to the ID-token endpoint and to STS', async () => {
  const [stsBefore, githubBefore] = [sts.connections(), github.connections()]
  emu.resetStats()
  const tokenUrl = new URL(emu.oidcRequestUrl)
  const main = await runStep(MAIN_ENTRY, {
    inputs: {
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.githubDeploy,
      'sts-endpoint': `https://127.0.0.1:${sts.port}`
    },
    env: {
      ...tls,
      ACTIONS_ID_TOKEN_REQUEST_URL: `https://127.0.0.1:${github.port}${tokenUrl.pathname}${tokenUrl.search}`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
    }
  })
  expect(errorMessage(main)).toBeUndefined()
  expect(main.code).toBe(0)
  expect(emu.stats().AssumeRoleWithWebIdentity).toBe(1)
  expect(emu.stats().idToken).toBe(1)
  expect(sts.connections() - stsBefore).toBe(1)
  expect(github.connections() - githubBefore).toBe(1)
})

/** Kills the first connection it accepts as soon as it arrives; pipes later ones to `port`. */
async function dropFirstConnection(
  port: number
): Promise<{ server: Server; accepted: () => number }> {
  let accepted = 0
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    accepted++
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => undefined)
    if (accepted === 1) return client.resetAndDestroy()
    const upstream = connect({ host: '127.0.0.1', port })
    upstream.on('error', () => client.destroy())
    client.pipe(upstream).pipe(client)
  })
  server.on('close', () => sockets.forEach(s => s.destroy()))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, accepted: () => accepted }
}

test('a pre-connection that is reset is not used: the call succeeds with retries off', async () => {
  const dropping = await dropFirstConnection(front.port)
  try {
    const port = (dropping.server.address() as AddressInfo).port
    emu.resetStats()
    const main = await runStep(MAIN_ENTRY, {
      inputs: { ...keysInputs(`https://127.0.0.1:${port}`), 'retry-max-attempts': '1' },
      env: tls
    })
    expect(errorMessage(main)).toBeUndefined()
    expect(main.code).toBe(0)
    expect(emu.stats().AssumeRole).toBe(1)
    // The early one (reset) and the SDK's own.
    expect(dropping.accepted()).toBe(2)
  } finally {
    await new Promise(resolve => dropping.server.close(resolve))
  }
})

test('with a proxy nothing connects early: one connection to STS, direct (loopback is never proxied)', async () => {
  const plain = await startDelayLink(emu.port, 0)
  try {
    proxy.seen.length = 0
    const main = await runStep(MAIN_ENTRY, {
      inputs: { ...keysInputs(`http://127.0.0.1:${plain.port}`), 'http-proxy': proxy.url }
    })
    expect(main.code).toBe(0)
    expect(proxy.seen).toEqual([])
    expect(plain.connections()).toBe(1)
  } finally {
    await plain.close()
  }
})
