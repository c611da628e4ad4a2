/**
 * What an earlier step left in the job (AWS_PROFILE, AWS_DEFAULT_PROFILE, keys) and what this step
 * leaves for the next one, judged by the real AWS CLI (Debian's awscli 2.9) as a later step: with
 * unset-current-credentials or without, the step never makes a later `aws` command worse than it
 * was before the step. GITHUB_ENV cannot unset a variable and the CLI treats an empty AWS_PROFILE
 * as a profile named "" ("The config profile () could not be found"), so profile variables are
 * never exported empty (src/runner/inherited-variables.ts has the consumers' table).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  awsCli,
  githubContext,
  MAIN_ENTRY,
  newJobDir,
  ROOT,
  runPost,
  runStep,
  spawnCollect,
  type StepResult
} from '../../test-support/runner.js'

const REGION = 'us-east-1'
const KEYS = {
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
}
const DEPLOY_SESSION = `arn:aws:sts::${SEED.accounts.main}:assumed-role/deploy/GitHubActions`
const CASE_TIMEOUT_MS = 60_000

let emu: Emulator
let jobDir = ''

beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})
beforeEach(() => {
  jobDir = newJobDir()
  // A runner whose home has a profile `robot` (another identity) in the shared files.
  const aws = join(githubContext(jobDir).HOME ?? '', '.aws')
  mkdirSync(aws, { recursive: true, mode: 0o700 })
  writeFileSync(
    join(aws, 'credentials'),
    `[robot]\naws_access_key_id = ${SEED.robot.accessKeyId}\naws_secret_access_key = ${SEED.robot.secretAccessKey}\n`,
    { mode: 0o600 }
  )
  writeFileSync(join(aws, 'config'), `[profile robot]\nregion = ${REGION}\n`, { mode: 0o600 })
})
afterEach(() => {
  rmSync(jobDir, { recursive: true, force: true })
})

function mainStep(inputs: Record<string, string>, before: Record<string, string>) {
  return runStep(MAIN_ENTRY, {
    inputs: { 'aws-region': REGION, 'sts-endpoint': emu.url, ...inputs },
    env: before,
    jobDir
  })
}

/** `aws sts get-caller-identity` in a later step: the job's environment before, plus the exports. */
async function laterCli(before: Record<string, string>, step?: StepResult) {
  const result = await awsCli(
    ['sts', 'get-caller-identity', '--output', 'json'],
    { ...before, ...step?.env },
    emu.url,
    { jobDir }
  )
  const arn =
    result.code === 0 ? (JSON.parse(result.stdout) as { Arn: string }).Arn : result.stderr.trim()
  return { code: result.code, arn }
}

/**
 * Who a later step's boto3 (Debian python3-boto3, botocore 1.29) and JavaScript SDK v3 (this
 * repository's @aws-sdk/client-sts, default chain) are, with the job's environment after the step.
 */
async function laterSdks(before: Record<string, string>, step: StepResult) {
  const home = githubContext(jobDir).HOME ?? ''
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...before,
    ...step.env,
    ENDPOINT: emu.url
  }
  const boto3 = await spawnCollect(
    '/usr/bin/python3',
    [
      '-c',
      "import os, boto3\ntry:\n  print(boto3.Session().client('sts', endpoint_url=os.environ['ENDPOINT']).get_caller_identity()['Arn'])\nexcept Exception as e:\n  print(type(e).__name__)"
    ],
    env,
    30_000
  )
  if (boto3.code === 127 || /No module named/.test(boto3.stderr)) {
    throw new Error('boto3 is needed: apt-get install python3-boto3')
  }
  const js = await spawnCollect(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'
const { STSClient, GetCallerIdentityCommand } = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('@aws-sdk/client-sts')
const client = new STSClient({ endpoint: process.env.ENDPOINT, region: process.env.AWS_REGION })
try { console.log((await client.send(new GetCallerIdentityCommand({}))).Arn) } catch (e) { console.log(e.name) }`
    ],
    env,
    30_000
  )
  return { boto3: boto3.stdout.trim(), js: js.stdout.trim() }
}

const warnings = (result: StepResult): string[] =>
  result.lines.filter(line => line.startsWith('::warning'))

describe.each([
  ['without unset-current-credentials', {}],
  ['with unset-current-credentials', { 'unset-current-credentials': 'true' }]
])('%s', (_label, unset: Record<string, string>) => {
  test(
    'nothing set before: no profile variable is exported; the CLI is the role',
    async () => {
      const result = await mainStep({ ...KEYS, 'role-to-assume': SEED.roles.deploy, ...unset }, {})
      expect(result.code).toBe(0)
      expect(Object.keys(result.env).sort()).toEqual([
        'AWS_ACCESS_KEY_ID',
        'AWS_DEFAULT_REGION',
        'AWS_REGION',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN'
      ])
      expect(warnings(result)).toEqual([])
      expect(await laterCli({}, result)).toEqual({ code: 0, arn: DEPLOY_SESSION })

      // The post step blanks only what main exported: still no profile variable.
      const post = await runPost(result, { jobDir })
      expect(Object.keys(post.env)).not.toContain('AWS_PROFILE')
      expect(Object.keys(post.env)).not.toContain('AWS_DEFAULT_PROFILE')
    },
    CASE_TIMEOUT_MS
  )

  test(
    'AWS_PROFILE of an existing profile from an earlier step stays; the CLI uses the new keys; a warning names the SDKs that keep the profile',
    async () => {
      const before = { AWS_PROFILE: 'robot' }
      expect(await laterCli(before)).toEqual({ code: 0, arn: SEED.robot.arn })
      const result = await mainStep(
        { ...KEYS, 'role-to-assume': SEED.roles.deploy, ...unset },
        before
      )
      expect(result.code).toBe(0)
      expect(result.env).not.toHaveProperty('AWS_PROFILE')
      expect(result.env).not.toHaveProperty('AWS_DEFAULT_PROFILE')
      expect(warnings(result)).toHaveLength(1)
      expect(warnings(result)[0]).toMatch(
        /AWS_PROFILE="robot".*JavaScript and Go SDKs.*aws-profile/
      )
      expect(await laterCli(before, result)).toEqual({ code: 0, arn: DEPLOY_SESSION })
      // What the warning says: boto3 takes the exported keys, the JavaScript SDK the profile.
      expect(await laterSdks(before, result)).toEqual({ boto3: DEPLOY_SESSION, js: SEED.robot.arn })
    },
    CASE_TIMEOUT_MS
  )

  test(
    'AWS_PROFILE naming a missing profile: the CLI failed before and fails the same way after, never with an empty profile',
    async () => {
      const before = { AWS_PROFILE: 'gone' }
      const earlier = await laterCli(before)
      expect(earlier.code).not.toBe(0)
      expect(earlier.arn).toContain('The config profile (gone) could not be found')
      const result = await mainStep(
        { ...KEYS, 'role-to-assume': SEED.roles.deploy, ...unset },
        before
      )
      expect(result.code).toBe(0)
      expect(result.env).not.toHaveProperty('AWS_PROFILE')
      expect(await laterCli(before, result)).toEqual(earlier)
    },
    CASE_TIMEOUT_MS
  )

  test(
    'AWS_PROFILE exported empty by an earlier step: a warning explains the CLI failure; aws-profile repairs it',
    async () => {
      const before = { AWS_PROFILE: '' }
      const earlier = await laterCli(before)
      expect(earlier.arn).toContain('The config profile () could not be found')
      const plain = await mainStep(
        { ...KEYS, 'role-to-assume': SEED.roles.deploy, ...unset },
        before
      )
      expect(plain.code).toBe(0)
      expect(warnings(plain).join('\n')).toMatch(
        /AWS_PROFILE is set to an empty value.*The config profile \(\) could not be found.*aws-profile/
      )
      expect(await laterCli(before, plain)).toEqual(earlier)
      // boto3 fails like the CLI; the JavaScript SDK ignores the empty profile.
      expect(await laterSdks(before, plain)).toEqual({
        boto3: 'ProfileNotFound',
        js: DEPLOY_SESSION
      })

      const withProfile = await mainStep(
        { ...KEYS, 'role-to-assume': SEED.roles.deploy, 'aws-profile': 'ci', ...unset },
        before
      )
      expect(withProfile.code).toBe(0)
      expect(withProfile.env.AWS_PROFILE).toBe('ci')
      expect(warnings(withProfile)).toEqual([])
      expect(await laterCli(before, withProfile)).toEqual({ code: 0, arn: DEPLOY_SESSION })
    },
    CASE_TIMEOUT_MS
  )
})

test(
  'unset-current-credentials ignores keys and a profile of an earlier step, blanks the keys it does not replace, and never blanks AWS_PROFILE',
  async () => {
    // An earlier step exported the robot's keys and chose the profile robot.
    const before = {
      AWS_ACCESS_KEY_ID: SEED.robot.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SEED.robot.secretAccessKey,
      AWS_PROFILE: 'robot'
    }
    // With aws-profile and output-env-credentials false the keys of the earlier step must go.
    const result = await mainStep(
      {
        ...KEYS,
        'role-to-assume': SEED.roles.deploy,
        'aws-profile': 'ci',
        'unset-current-credentials': 'true'
      },
      before
    )
    expect(result.code).toBe(0)
    expect(result.env).toEqual({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'ci',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION
    })
    expect(await laterCli(before, result)).toEqual({ code: 0, arn: DEPLOY_SESSION })
  },
  CASE_TIMEOUT_MS
)
