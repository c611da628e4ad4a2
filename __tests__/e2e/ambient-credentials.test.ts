/**
 * Neither a role nor keys: on a self-hosted runner with a profile, a container role or an instance
 * role, the step checks those credentials with one GetCallerIdentity, exports only the region and
 * sets the account outputs (as configure-aws-credentials does with only aws-region). Whatever the
 * SDK's default chain finds is masked the moment it is held, and one line names the kind of
 * source, never a key. The source access key ID of inputs is masked as well.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  startMetadataServer,
  type MetadataServer,
  type ServedCredentials
} from '../../test-support/metadata-server.js'
import {
  awsCli,
  errorTitle,
  githubContext,
  MAIN_ENTRY,
  newJobDir,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

const REGION = 'us-east-1'
const SELF_HOSTED = { RUNNER_ENVIRONMENT: 'self-hosted' }
const CASE_TIMEOUT_MS = 30_000
const INSTANCE_SESSION = 'i-0123456789abcdef0'

let emu: Emulator
let metadata: MetadataServer
/** The instance role's session: role/deploy (which trusts ec2.amazonaws.com) as EC2 hands it out. */
let instance: ServedCredentials & { arn: string }
let jobDir = ''

beforeAll(async () => {
  emu = await startEmulator()
  const sts = new STSClient({ endpoint: emu.url, region: REGION, credentials: SEED.user })
  const answer = await sts.send(
    new AssumeRoleCommand({ RoleArn: SEED.roles.deploy, RoleSessionName: INSTANCE_SESSION })
  )
  const c = answer.Credentials
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new Error('the emulator issued no instance session')
  }
  instance = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
    arn: answer.AssumedRoleUser?.Arn ?? ''
  }
  metadata = await startMetadataServer(instance)
})
afterAll(async () => {
  await metadata.close()
  await emu.close()
})
beforeEach(() => {
  emu.resetStats()
  metadata.requests.length = 0
  jobDir = newJobDir()
})
afterEach(() => {
  rmSync(jobDir, { recursive: true, force: true })
})

function mainStep(env: Record<string, string>, inputs: Record<string, string> = {}) {
  return runStep(MAIN_ENTRY, {
    inputs: { 'aws-region': REGION, 'sts-endpoint': emu.url, ...inputs },
    env,
    jobDir
  })
}

/** Masked before any other line shows it, and never in the rendered log, stderr or summary. */
function expectMasked(result: StepResult, secrets: Record<string, string>): void {
  const problems: string[] = []
  for (const [label, secret] of Object.entries(secrets)) {
    const maskLine = result.lines.indexOf(`::add-mask::${secret}`)
    const firstSeen = result.lines.findIndex(line => line.includes(secret))
    if (maskLine < 0) problems.push(`${label}: never masked`)
    else if (firstSeen !== maskLine) problems.push(`${label}: shown before its mask`)
    if (result.log.some(line => line.includes(secret))) problems.push(`${label}: in the log`)
    if (result.stderr.includes(secret)) problems.push(`${label}: in stderr`)
    if (result.summary.includes(secret)) problems.push(`${label}: in the summary`)
  }
  expect(problems).toEqual([])
}

/** Only the region is exported; the outputs name the runner's identity; one check, no AssumeRole. */
function expectAmbientSuccess(result: StepResult, arn: string, origin: RegExp): void {
  expect({ code: result.code, errors: result.lines.filter(l => l.startsWith('::error')) }).toEqual({
    code: 0,
    errors: []
  })
  expect(result.env).toEqual({ AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION })
  expect(result.outputs).toEqual({ 'aws-account-id': arn.split(':')[4], 'authenticated-arn': arn })
  const sourceLines = result.log.filter(line => line.startsWith('Source credentials:'))
  expect(sourceLines).toHaveLength(1)
  expect(sourceLines[0]).toMatch(origin)
  expect(result.log.join('\n')).toContain(`Using ${arn}`)
  const stats = emu.stats()
  expect({ GetCallerIdentity: stats.GetCallerIdentity, AssumeRole: stats.AssumeRole }).toEqual({
    GetCallerIdentity: 1,
    AssumeRole: 0
  })
}

const instanceSecrets = () => ({
  'instance access key id': instance.accessKeyId,
  'instance secret': instance.secretAccessKey,
  'instance session token': instance.sessionToken
})

test(
  'a profile (AWS_PROFILE): checked, region exported, outputs set, "from profile" line; a later CLI step keeps using it',
  async () => {
    const home = githubContext(jobDir).HOME ?? ''
    mkdirSync(join(home, '.aws'), { recursive: true, mode: 0o700 })
    writeFileSync(
      join(home, '.aws', 'credentials'),
      `[runner]\naws_access_key_id = ${SEED.user.accessKeyId}\naws_secret_access_key = ${SEED.user.secretAccessKey}\n`,
      { mode: 0o600 }
    )
    const before = { ...SELF_HOSTED, AWS_PROFILE: 'runner' }
    const result = await mainStep(before)
    expectAmbientSuccess(result, SEED.user.arn, /^Source credentials: from profile "runner"$/)
    expectMasked(result, {
      'profile access key id': SEED.user.accessKeyId,
      'profile secret': SEED.user.secretAccessKey
    })
    const cli = await awsCli(
      ['sts', 'get-caller-identity', '--output', 'json'],
      { AWS_PROFILE: 'runner', ...result.env },
      emu.url,
      { jobDir }
    )
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout).Arn).toBe(SEED.user.arn)
  },
  CASE_TIMEOUT_MS
)

test(
  'the instance role (IMDSv2): masked as soon as fetched, "from the instance role" line, account outputs',
  async () => {
    const result = await mainStep({
      ...SELF_HOSTED,
      AWS_EC2_METADATA_DISABLED: 'false',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: metadata.imdsEndpoint
    })
    expectAmbientSuccess(result, instance.arn, /^Source credentials: from the instance role/)
    expectMasked(result, instanceSecrets())
    expect(metadata.requests[0]).toBe('PUT /latest/api/token')
  },
  CASE_TIMEOUT_MS
)

test(
  'the container role (AWS_CONTAINER_CREDENTIALS_FULL_URI): "from the container role" line',
  async () => {
    const result = await mainStep({
      ...SELF_HOSTED,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: metadata.containerUri
    })
    expectAmbientSuccess(result, instance.arn, /^Source credentials: from the container role/)
    expectMasked(result, instanceSecrets())
  },
  CASE_TIMEOUT_MS
)

test(
  'the instance role as the source of role-to-assume: masked, named, then one AssumeRole',
  async () => {
    const result = await mainStep(
      {
        ...SELF_HOSTED,
        AWS_EC2_METADATA_DISABLED: 'false',
        AWS_EC2_METADATA_SERVICE_ENDPOINT: metadata.imdsEndpoint
      },
      { 'role-to-assume': SEED.roles.chainTarget }
    )
    expect(result.code).toBe(0)
    expect(result.log.filter(line => line.startsWith('Source credentials:'))).toEqual([
      'Source credentials: from the instance role (EC2 instance metadata)'
    ])
    expectMasked(result, instanceSecrets())
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      roleArn: SEED.roles.chainTarget,
      callerArn: instance.arn,
      status: 200
    })
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
    expect(result.env.AWS_ACCESS_KEY_ID).not.toBe(instance.accessKeyId)
  },
  CASE_TIMEOUT_MS
)

test(
  'a GitHub-hosted runner with nothing: one clear error, nothing exported, no call',
  async () => {
    const result = await mainStep({})
    expect(result.code).toBe(1)
    expect(result.env).toEqual({})
    expect(result.outputs).toEqual({})
    expect(errorTitle(result)).toBe('No AWS credentials on the runner')
    expect(emu.stats().requests).toBe(0)
  },
  CASE_TIMEOUT_MS
)

test(
  'a self-hosted runner whose chain finds nothing: the same clear error, nothing exported',
  async () => {
    const result = await mainStep(SELF_HOSTED)
    expect(result.code).toBe(1)
    expect(result.env).toEqual({})
    expect(errorTitle(result)).toBe('No AWS credentials on the runner')
  },
  CASE_TIMEOUT_MS
)

test(
  'access keys as inputs: the source access key ID is masked before any line, like its secret',
  async () => {
    const result = await mainStep(
      {},
      {
        'aws-access-key-id': SEED.user.accessKeyId,
        'aws-secret-access-key': SEED.user.secretAccessKey,
        'role-to-assume': SEED.roles.deploy
      }
    )
    expect(result.code).toBe(0)
    expect(result.lines[0]).toBe(`::add-mask::${SEED.user.accessKeyId}`)
    expectMasked(result, {
      'source access key id': SEED.user.accessKeyId,
      'source secret': SEED.user.secretAccessKey
    })
  },
  CASE_TIMEOUT_MS
)
