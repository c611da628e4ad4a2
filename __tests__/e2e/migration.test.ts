/**
 * Every intended difference from configure-aws-credentials that
 * docs/migrating-from-configure-aws-credentials.md lists (D1, D2, …), through the committed
 * bundle as the runner runs it, against the loopback emulator: one case per ID, and a check that
 * the guide and this file name the same IDs, so neither can drift from the other.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  errorMessage,
  errorTitle,
  MAIN_ENTRY,
  newJobDir,
  ROOT,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

const REGION = 'us-east-1'
const KEYS = {
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
}
const CASE_TIMEOUT_MS = 30_000

let emu: Emulator
let jobDir = ''

beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})
beforeEach(() => {
  emu.clearFaults()
  emu.resetStats()
  jobDir = newJobDir()
})
afterEach(() => {
  rmSync(jobDir, { recursive: true, force: true })
})

const oidcEnv = (): Record<string, string> => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
})

function step(inputs: Record<string, string>, env: Record<string, string> = {}) {
  return runStep(MAIN_ENTRY, {
    inputs: { 'aws-region': REGION, 'sts-endpoint': emu.url, ...inputs },
    env,
    jobDir
  })
}

/** Refused before any request: one ::error naming the input, nothing exported. */
function expectRefusedInput(result: StepResult, input: string, message?: RegExp): void {
  expect(result.code).toBe(1)
  expect(errorTitle(result)).toBe(`Invalid input: ${input}`)
  if (message) expect(errorMessage(result)).toMatch(message)
  expect(result.env).toEqual({})
  expect(result.outputs).toEqual({})
  expect(emu.stats().requests).toBe(0)
}

/** The ::warning lines of a step, their data unescaped enough to read. */
function warnings(result: StepResult): string[] {
  return result.lines.filter(line => line.startsWith('::warning'))
}

const CASES: Record<string, () => Promise<void>> = {
  D1: async () => {
    for (const [input, value] of [
      ['role-duration-seconds', '900s'],
      ['retry-max-attempts', '1e3'],
      ['action-timeout-s', '10m']
    ] as const) {
      emu.resetStats()
      const result = await step({ ...KEYS, 'role-to-assume': SEED.roles.deploy, [input]: value })
      expectRefusedInput(result, input, /whole number/)
    }
  },
  D2: async () => {
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'role-duration-seconds': '120'
    })
    expectRefusedInput(result, 'role-duration-seconds', /below 900 \(15 minutes\)/)
  },
  D3: async () => {
    const result = await step({ ...KEYS, 'role-to-assume': SEED.roles.trustOnly })
    expect(result.code).toBe(1)
    expect(emu.stats().AssumeRole).toBe(1)
    expect(emu.lastRequest('AssumeRole')?.errorCode).toBe('AccessDenied')
    expect(result.durationMs).toBeLessThan(5_000)
    // The diagnosis still comes, and says what a change made a moment ago looks like.
    expect(errorTitle(result)).toBe('Not authorized to assume the role')
    expect(result.summary).toContain('IAM is eventually consistent')
  },
  D4: async () => {
    const result = await step({ ...KEYS, 'role-to-assume': SEED.roles.trustOnly })
    expect(result.code).toBe(1)
    // configure-aws-credentials would have exported AWS_REGION and AWS_DEFAULT_REGION already.
    expect(result.env).toEqual({})
    expect(result.outputs).toEqual({})
    const wrongAccount = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'allowed-account-ids': SEED.accounts.cross
    })
    expect(wrongAccount.code).toBe(1)
    expect(wrongAccount.env).toEqual({})
  },
  D5: async () => {
    const result = await runStep(MAIN_ENTRY, {
      inputs: {
        'aws-region': REGION,
        'sts-endpoint': emu.url,
        ...KEYS,
        'role-to-asume': SEED.roles.deploy
      },
      jobDir,
      allowUnexpectedInputs: true
    })
    expectRefusedInput(
      result,
      'role-to-asume',
      /is not an input of this action; did you mean 'role-to-assume'\?/
    )
  },
  D6: async () => {
    const refused = await step({ 'role-to-assume': 'github-deploy' }, oidcEnv())
    expectRefusedInput(refused, 'role-to-assume', /is a bare role name; give the full ARN/)
    // With credentials, resolved in their account, as configure-aws-credentials resolves it.
    const resolved = await step({ ...KEYS, 'role-to-assume': 'deploy' })
    expect(resolved.code).toBe(0)
    expect(emu.lastRequest('AssumeRole')?.roleArn).toBe(SEED.roles.deploy)
  },
  D7: async () => {
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'role-session-name': 'deploy job'
    })
    expectRefusedInput(result, 'role-session-name')
  },
  D8: async () => {
    const result = await step({ ...KEYS, 'role-to-assume': SEED.roles.deploy })
    expect(result.code).toBe(0)
    const stats = emu.stats()
    expect({ AssumeRole: stats.AssumeRole, GetCallerIdentity: stats.GetCallerIdentity }).toEqual({
      AssumeRole: 1,
      GetCallerIdentity: 0
    })
    expect(result.outputs['aws-account-id']).toBe(SEED.accounts.main)
  },
  D9: async () => {
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'unset-current-credentials': 'true'
    })
    expect(result.code).toBe(0)
    expect(result.env).not.toHaveProperty('AWS_PROFILE')
    expect(result.env).not.toHaveProperty('AWS_DEFAULT_PROFILE')
    expect(result.env.AWS_REGION).toBe(REGION)
    // On failure, the job's earlier credentials are left alone.
    const failed = await step(
      { ...KEYS, 'role-to-assume': SEED.roles.trustOnly, 'unset-current-credentials': 'true' },
      { AWS_ACCESS_KEY_ID: 'AKIAEARLIERSTEP00001', AWS_SECRET_ACCESS_KEY: 'earlier-secret' }
    )
    expect(failed.code).toBe(1)
    expect(failed.env).toEqual({})
  },
  D10: async () => {
    const result = await step(
      { ...KEYS, 'role-to-assume': SEED.roles.deploy },
      { AWS_PROFILE: 'earlier' }
    )
    expect(result.code).toBe(0)
    expect(result.env).not.toHaveProperty('AWS_PROFILE')
    expect(warnings(result)).toHaveLength(1)
    expect(warnings(result)[0]).toMatch(/AWS_PROFILE="earlier".*set aws-profile here/)
  },
  D11: async () => {
    const result = await step({})
    expect(result.code).toBe(1)
    expect(errorTitle(result)).toBe('No AWS credentials on the runner')
    expect(errorMessage(result)).toMatch(/Give role-to-assume/)
    expect(result.env).toEqual({})
    expect(emu.stats().requests).toBe(0)
  },
  D12: async () => {
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'mask-aws-account-id': 'tRuE'
    })
    expect(result.code).toBe(0)
    expect(result.masks).toContain(SEED.accounts.main)
    const refused = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'mask-aws-account-id': 'yes'
    })
    expect(refused.code).toBe(1)
    expect(errorTitle(refused)).toBe('Invalid input: mask-aws-account-id')
  },
  D13: async () => {
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'custom-tags': '{"actor":"someone-else"}'
    })
    expectRefusedInput(result, 'custom-tags', /differs only in letter case from the tag "Actor"/)
  },
  D14: async () => {
    // 300 astral letters: cut by UTF-16 units, the 256th unit would be half of one.
    const result = await step(
      { ...KEYS, 'role-to-assume': SEED.roles.deploy },
      { GITHUB_WORKFLOW: '𝒲'.repeat(300) }
    )
    expect(result.code).toBe(0)
    const workflow = emu.lastRequest('AssumeRole')?.tags.find(tag => tag.Key === 'Workflow')
    expect([...(workflow?.Value ?? '')]).toHaveLength(256)
  }
}

/** The guide's differences: ID and its bold title sentence. */
const GUIDE = [
  ...readFileSync(
    join(ROOT, 'docs', 'migrating-from-configure-aws-credentials.md'),
    'utf8'
  ).matchAll(/^\*\*(D\d+)\. ([^*]+)\*\*/gm)
].map(match => ({ id: match[1] ?? '', title: (match[2] ?? '').replace(/\s+/g, ' ').trim() }))

test('the migration guide and this file name the same differences', () => {
  expect(GUIDE.map(entry => entry.id)).toEqual(Object.keys(CASES))
})

test("the guide's introduction names the range it lists", () => {
  const guide = readFileSync(
    join(ROOT, 'docs', 'migrating-from-configure-aws-credentials.md'),
    'utf8'
  )
  expect(guide).toContain(`(D1–D${GUIDE.length})`)
})

test.each(GUIDE)(
  '$id: $title',
  ({ id }) => (CASES[id] ?? (() => Promise.reject(new Error(`no case for ${id}`))))(),
  CASE_TIMEOUT_MS
)
