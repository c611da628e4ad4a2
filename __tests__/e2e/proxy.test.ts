/**
 * http-proxy and no-proxy through the committed bundle. Node 24.5 added proxy support to its own
 * agents, which the action uses; on an older node the input is refused with a clear error. CI runs
 * the bundles on Node 24 (ACTION_NODE), as GitHub does.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import { startForwardProxy, type ForwardProxy } from '../../test-support/forward-proxy.js'
import {
  ACTION_NODE,
  MAIN_ENTRY,
  errorMessage,
  runStep,
  spawnCollect
} from '../../test-support/runner.js'

let emu: Emulator
let proxy: ForwardProxy
let supportsProxy = false
beforeAll(async () => {
  emu = await startEmulator()
  proxy = await startForwardProxy()
  const version = (await spawnCollect(ACTION_NODE, ['--version'], {}, 10_000)).stdout.trim()
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  supportsProxy = major > 24 || (major === 24 && minor >= 5)
})
afterAll(async () => {
  await emu.close()
  await proxy.close()
})

const inputs = (): Record<string, string> => ({
  'aws-region': 'us-east-1',
  'role-to-assume': SEED.roles.deploy,
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey,
  'sts-endpoint': emu.url,
  'http-proxy': proxy.url
})

test('AWS calls go through http-proxy (Node ≥ 24.5), or the input is refused before any call', async () => {
  proxy.seen.length = 0
  emu.resetStats()
  const main = await runStep(MAIN_ENTRY, { inputs: inputs() })
  if (supportsProxy) {
    expect(main.code).toBe(0)
    expect(main.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
    expect(proxy.seen).toEqual([`${emu.url}/`])
    expect(emu.stats().AssumeRole).toBe(1)
  } else {
    expect(main.code).toBe(1)
    expect(errorMessage(main)).toMatch(/^Input 'http-proxy' needs Node\.js 24\.5 or later/)
    expect(emu.stats().requests).toBe(0)
    expect(main.env).toEqual({})
  }
})

test('no-proxy sends matching hosts direct', async () => {
  proxy.seen.length = 0
  emu.resetStats()
  const main = await runStep(MAIN_ENTRY, { inputs: { ...inputs(), 'no-proxy': '127.0.0.1' } })
  if (!supportsProxy) return expect(main.code).toBe(1)
  expect(main.code).toBe(0)
  expect(proxy.seen).toEqual([])
  expect(emu.stats().AssumeRole).toBe(1)
})

test('HTTPS_PROXY from the job environment is used like the input', async () => {
  proxy.seen.length = 0
  const direct = Object.fromEntries(
    Object.entries(inputs()).filter(([name]) => name !== 'http-proxy')
  )
  const main = await runStep(MAIN_ENTRY, { inputs: direct, env: { HTTP_PROXY: proxy.url } })
  expect(main.code).toBe(0)
  // On an older node an inherited proxy is ignored (as the SDK ignores it), never an error.
  expect(proxy.seen).toEqual(supportsProxy ? [`${emu.url}/`] : [])
})
