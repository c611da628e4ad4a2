/**
 * The SDK's default credential chain through the committed bundle: a self-hosted runner whose
 * credentials come from a named profile in a shared credentials file assumes the role with them.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import { MAIN_ENTRY, errorMessage, runStep } from '../../test-support/runner.js'

let emu: Emulator
let dir: string
beforeAll(async () => {
  emu = await startEmulator()
  dir = mkdtempSync(join(tmpdir(), 'chain-'))
})
afterAll(async () => {
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
})

test('a profile found by the default chain is the source identity', async () => {
  const credentials = join(dir, 'credentials')
  writeFileSync(
    credentials,
    `[ci]\naws_access_key_id = ${SEED.user.accessKeyId}\naws_secret_access_key = ${SEED.user.secretAccessKey}\n`
  )
  emu.resetStats()
  const main = await runStep(MAIN_ENTRY, {
    inputs: {
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.deploy,
      'sts-endpoint': emu.url
    },
    env: {
      RUNNER_ENVIRONMENT: 'self-hosted',
      AWS_PROFILE: 'ci',
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(dir, 'config')
    }
  })
  expect(errorMessage(main)).toBeUndefined()
  expect(main.code).toBe(0)
  expect(main.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
  expect(emu.stats().AssumeRole).toBe(1)
  // Signed with the profile's keys: the real chain ran.
  expect(emu.lastRequest('AssumeRole')?.accessKeyId).toBe(SEED.user.accessKeyId)
})
