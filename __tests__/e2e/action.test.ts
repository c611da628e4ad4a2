/**
 * The committed dist/ bundles, run as the GitHub runner runs them (test-support/runner.ts) against
 * the loopback emulator, with action.yml's defaults applied as the runner applies them. After every
 * success the real AWS CLI runs with only the job's environment and must be the assumed role.
 *
 * Every case checks the exit code, the exact exports (none at all on failure), the outputs, how
 * many STS calls were made, and that no secret reaches stdout before its ::add-mask:: line, nor the
 * rendered log, stderr or the step summary.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  SEED,
  startEmulator,
  type Emulator,
  type IssuedCredentials
} from '../../test-support/emulator/index.js'
import {
  awsCli,
  errorMessage,
  errorTitle,
  MAIN_ENTRY,
  newJobDir,
  runPost,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

const REGION = 'us-east-1'
const KEYS = {
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
}
/** What a successful step exports, in order. */
const EXPORTED = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION'
]
const { main: MAIN_ACCOUNT, cross: CROSS_ACCOUNT } = SEED.accounts
const GITHUB_DEPLOY_BUCKET = `deploy-artifacts-${MAIN_ACCOUNT}`
const CHAIN_TARGET_BUCKET = 'chain-target-bucket'
/** Per case: jest applies only a top-level testTimeout (5 s by default), not the e2e project's. */
const CASE_TIMEOUT_MS = 30_000

/** A case: main (and post) steps plus AWS CLI calls; role chaining runs two steps and four calls. */
function scenario(name: string, fn: () => Promise<void>): void {
  test(name, fn, CASE_TIMEOUT_MS)
}

let emu: Emulator
let issuedBefore = new Set<string>()
/** Each case is one job: its steps and CLI calls share a folder (HOME, workspace), removed after. */
let jobDir = ''

beforeAll(async () => {
  emu = await startEmulator()
})

afterAll(async () => {
  await emu.close()
})

beforeEach(() => {
  emu.clearFaults()
  resetCounts()
  emu.clock.reset()
  jobDir = newJobDir()
})

afterEach(() => {
  rmSync(jobDir, { recursive: true, force: true })
})

/** Forgets the requests and issued credentials seen so far (between the steps of one case too). */
function resetCounts(): void {
  emu.resetStats()
  issuedBefore = new Set(emu.issuedCredentials().map(c => c.accessKeyId))
}

/**
 * The main step with `with:` inputs plus aws-region and sts-endpoint, as the runner runs it; `env`
 * is the job's environment before the step (earlier exports, ACTIONS_ID_TOKEN_REQUEST_*).
 */
function mainStep(
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<StepResult> {
  return runStep(MAIN_ENTRY, {
    inputs: { 'aws-region': REGION, 'sts-endpoint': emu.url, ...inputs },
    env,
    jobDir
  })
}

/** Temporary credentials the emulator issued since the last resetCounts(). */
function issuedSinceReset(): IssuedCredentials[] {
  return emu.issuedCredentials().filter(c => !issuedBefore.has(c.accessKeyId))
}

/**
 * Exactly these requests since the last resetCounts(): STS calls by action, and ID-token requests
 * (`idToken`); an action not named was not called, and nothing else reached the emulator.
 */
function expectCalls(expected: {
  AssumeRole?: number
  AssumeRoleWithWebIdentity?: number
  GetCallerIdentity?: number
  idToken?: number
}): void {
  const stats = emu.stats()
  const counted = {
    AssumeRole: stats.AssumeRole,
    AssumeRoleWithWebIdentity: stats.AssumeRoleWithWebIdentity,
    GetCallerIdentity: stats.GetCallerIdentity,
    idToken: stats.idToken
  }
  const other = stats.requests - Object.values(counted).reduce((sum, n) => sum + n, 0)
  expect({ ...counted, other }).toEqual({
    AssumeRole: 0,
    AssumeRoleWithWebIdentity: 0,
    GetCallerIdentity: 0,
    idToken: 0,
    other: 0,
    ...expected
  })
}

interface Keys {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

function secretsOf(label: string, keys: Keys): Record<string, string> {
  return {
    [`${label} access key id`]: keys.accessKeyId,
    [`${label} secret access key`]: keys.secretAccessKey,
    ...(keys.sessionToken ? { [`${label} session token`]: keys.sessionToken } : {})
  }
}

/**
 * For every secret: the first stdout line holding it is its own ::add-mask:: line (which must
 * exist for `masked`), and it is nowhere in the rendered log, stderr or the summary. `unmasked`
 * secrets need not be masked by this step (it never held them) but must not show either.
 */
function expectNoLeaks(
  result: StepResult,
  masked: Record<string, string>,
  unmasked: Record<string, string> = {}
): void {
  const problems: string[] = []
  const check = (label: string, secret: string, mustMask: boolean): void => {
    if (secret.length < 8) {
      problems.push(`${label}: not a secret (${JSON.stringify(secret)}); the test is wrong`)
      return
    }
    const maskLine = result.lines.indexOf(`::add-mask::${secret}`)
    const firstSeen = result.lines.findIndex(line => line.includes(secret))
    if (mustMask && maskLine < 0) problems.push(`${label}: never masked`)
    if (firstSeen >= 0 && firstSeen !== maskLine) {
      problems.push(`${label}: in stdout line ${firstSeen + 1} before any ::add-mask:: of it`)
    }
    if (result.log.some(line => line.includes(secret))) problems.push(`${label}: in the log`)
    if (result.stderr.includes(secret)) problems.push(`${label}: in stderr`)
    if (result.summary.includes(secret)) problems.push(`${label}: in the step summary`)
  }
  for (const [label, secret] of Object.entries(masked)) check(label, secret, true)
  for (const [label, secret] of Object.entries(unmasked)) check(label, secret, false)
  expect(problems).toEqual([])
}

/** A successful step: exactly these credentials and the region exported, the two outputs set. */
function expectSuccess(
  result: StepResult,
  arn: string,
  credentials: Keys,
  warnings: string[] = []
): void {
  expect({ code: result.code, errors: annotations(result) }).toEqual({ code: 0, errors: warnings })
  expect(result.env).toEqual({
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION
  })
  expect(result.outputs).toEqual({
    'aws-account-id': arn.split(':')[4],
    'authenticated-arn': arn
  })
  expect(result.log.join('\n')).toContain(arn)
  expect(result.summary).toBe('')
}

/** A failed step: one ::error with this title, a summary, and nothing exported or output. */
function expectFailure(result: StepResult, title: string, message: string | RegExp): void {
  expect(result.code).toBe(1)
  expect(result.env).toEqual({})
  expect(result.outputs).toEqual({})
  expect(annotations(result)).toHaveLength(1)
  expect(errorTitle(result)).toBe(title)
  expect(errorMessage(result)).toMatch(message)
  expect(result.summary).not.toBe('')
}

function annotations(result: StepResult): string[] {
  return result.lines.filter(line => /^::(error|warning)\b/.test(line))
}

/** The one session the step obtained, issued by the emulator for `roleArn`. */
function theIssuedSession(roleArn: string): IssuedCredentials {
  const issued = issuedSinceReset()
  expect(issued.map(c => c.roleArn)).toEqual([roleArn])
  return issued[0] as IssuedCredentials
}

/**
 * A later step of the job (the sample's `aws sts get-caller-identity` and `aws s3 ls`), with only
 * the job's environment: it must be `arn` and see exactly `bucket`.
 */
async function expectCliAs(jobEnv: Record<string, string>, arn: string, bucket: string) {
  const [who, ls] = await Promise.all([
    awsCli(['sts', 'get-caller-identity', '--output', 'json'], jobEnv, emu.url, { jobDir }),
    awsCli(['s3', 'ls'], jobEnv, emu.url, { jobDir })
  ])
  expect({ code: who.code, stderr: who.stderr }).toEqual({ code: 0, stderr: '' })
  const identity = JSON.parse(who.stdout) as { Arn?: string; Account?: string }
  expect(identity).toMatchObject({ Arn: arn, Account: arn.split(':')[4] })
  expect({ code: ls.code, stderr: ls.stderr }).toEqual({ code: 0, stderr: '' })
  const buckets = ls.stdout
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(line => line.split(' ').at(-1))
  expect(buckets).toEqual([bucket])
}

const assumedArn = (roleArn: string, session = 'GitHubActions'): string => {
  const [, , , , account, resource = ''] = roleArn.split(':')
  return `arn:aws:sts::${account}:assumed-role/${resource.replace(/^role\//, '')}/${session}`
}

/** Keys → role/deploy, fully checked; the start of role-chaining jobs. */
async function assumeDeploy(): Promise<{ result: StepResult; session: IssuedCredentials }> {
  const result = await mainStep({ ...KEYS, 'role-to-assume': SEED.roles.deploy })
  const session = theIssuedSession(SEED.roles.deploy)
  expectCalls({ AssumeRole: 1 })
  expectSuccess(result, assumedArn(SEED.roles.deploy), session)
  expectNoLeaks(result, {
    'source secret key': SEED.user.secretAccessKey,
    ...secretsOf('deploy session', session)
  })
  await expectCliAs(result.env, session.assumedRoleArn, SEED.buckets.deploy)
  return { result, session }
}

describe('access keys', () => {
  scenario('→ role/deploy with the sample workflow’s inputs: one AssumeRole', async () => {
    const arn = assumedArn(SEED.roles.deploy, 'gha-4242-1')
    const result = await mainStep({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'role-session-name': 'gha-4242-1',
      'role-duration-seconds': '900'
    })

    expectCalls({ AssumeRole: 1 })
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      roleArn: SEED.roles.deploy,
      roleSessionName: 'gha-4242-1',
      durationSeconds: 900,
      callerArn: SEED.user.arn,
      status: 200
    })
    const session = theIssuedSession(SEED.roles.deploy)
    expect(session.assumedRoleArn).toBe(arn)
    expectSuccess(result, arn, session)
    expectNoLeaks(result, {
      'source secret key': SEED.user.secretAccessKey,
      ...secretsOf('session', session)
    })
    await expectCliAs(result.env, arn, SEED.buckets.deploy)
  })

  scenario('→ a bare role name: GetCallerIdentity resolves it, then one AssumeRole', async () => {
    const result = await mainStep({ ...KEYS, 'role-to-assume': 'deploy' })

    expectCalls({ AssumeRole: 1, GetCallerIdentity: 1 })
    expect(emu.lastRequest('AssumeRole')?.roleArn).toBe(SEED.roles.deploy)
    const session = theIssuedSession(SEED.roles.deploy)
    expectSuccess(result, assumedArn(SEED.roles.deploy), session)
    expectNoLeaks(result, {
      'source secret key': SEED.user.secretAccessKey,
      ...secretsOf('session', session)
    })
    await expectCliAs(result.env, session.assumedRoleArn, SEED.buckets.deploy)
  })

  scenario('without a role: the keys themselves are checked once and exported', async () => {
    const result = await mainStep({ ...KEYS })

    expectCalls({ GetCallerIdentity: 1 })
    expect(issuedSinceReset()).toEqual([])
    // One line says that the long-lived keys themselves are what later steps get.
    expectSuccess(result, SEED.user.arn, SEED.user, [
      '::warning title=Long-lived access keys exported::No role-to-assume: the long-lived access keys given as inputs are themselves what later steps get, not a temporary role session. If a role was meant, check that role-to-assume is set (a secret that is not set gives an empty value).'
    ])
    expectNoLeaks(result, { 'source secret key': SEED.user.secretAccessKey })
    await expectCliAs(result.env, SEED.user.arn, SEED.buckets.user)
  })

  scenario('the post step blanks what main exported; the CLI has no identity', async () => {
    const arn = assumedArn(SEED.roles.deploy)
    const main = await mainStep({ ...KEYS, 'role-to-assume': SEED.roles.deploy })
    const session = theIssuedSession(SEED.roles.deploy)
    expectCalls({ AssumeRole: 1 })
    expectSuccess(main, arn, session)
    const secrets = {
      'source secret key': SEED.user.secretAccessKey,
      ...secretsOf('session', session)
    }
    expectNoLeaks(main, secrets)
    await expectCliAs(main.env, arn, SEED.buckets.deploy)

    resetCounts()
    const post = await runPost(main, { jobDir })
    expect({ code: post.code, errors: annotations(post) }).toEqual({ code: 0, errors: [] })
    expect(post.env).toEqual(Object.fromEntries(EXPORTED.map(name => [name, ''])))
    expect(post.outputs).toEqual({})
    expect(post.summary).toBe('')
    expectCalls({})
    expectNoLeaks(post, {}, secrets)

    const jobEnv = { ...main.env, ...post.env }
    const after = await awsCli(['sts', 'get-caller-identity'], jobEnv, emu.url, { jobDir })
    expect(after.code).not.toBe(0)
    expectCalls({})
  })
})

describe('cross-account role AllowPutToS3 with an external ID', () => {
  scenario('the right external ID: one AssumeRole into the other account', async () => {
    const result = await mainStep({
      ...KEYS,
      'role-to-assume': SEED.roles.crossAccount,
      'role-external-id': SEED.externalId,
      'allowed-account-ids': CROSS_ACCOUNT
    })

    expectCalls({ AssumeRole: 1 })
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      externalId: SEED.externalId,
      callerArn: SEED.user.arn,
      status: 200
    })
    const session = theIssuedSession(SEED.roles.crossAccount)
    const arn = assumedArn(SEED.roles.crossAccount)
    expect(session.account).toBe(CROSS_ACCOUNT)
    expectSuccess(result, arn, session)
    expectNoLeaks(result, {
      'source secret key': SEED.user.secretAccessKey,
      ...secretsOf('session', session)
    })
    await expectCliAs(result.env, arn, SEED.buckets.crossAccount)
  })

  scenario('a wrong external ID: AccessDenied, nothing exported', async () => {
    const result = await mainStep({
      ...KEYS,
      'role-to-assume': SEED.roles.crossAccount,
      'role-external-id': 'not-the-external-id'
    })

    expectCalls({ AssumeRole: 1 })
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      externalId: 'not-the-external-id',
      errorCode: 'AccessDenied'
    })
    expect(issuedSinceReset()).toEqual([])
    expectFailure(result, 'Not authorized to assume the role', /external ID/)
    expectNoLeaks(result, { 'source secret key': SEED.user.secretAccessKey })
  })

  scenario('no external ID: AccessDenied, the message points at role-external-id', async () => {
    const result = await mainStep({ ...KEYS, 'role-to-assume': SEED.roles.crossAccount })

    expectCalls({ AssumeRole: 1 })
    const request = emu.lastRequest('AssumeRole')
    expect(request?.errorCode).toBe('AccessDenied')
    expect(request?.externalId).toBeUndefined()
    expect(issuedSinceReset()).toEqual([])
    expectFailure(result, 'Not authorized to assume the role', /role-external-id/)
    expectNoLeaks(result, { 'source secret key': SEED.user.secretAccessKey })
  })
})

describe('GitHub OIDC', () => {
  const oidcEnv = (): Record<string, string> => ({
    ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
  })

  scenario('→ role/github-deploy from the right repository and branch', async () => {
    const arn = assumedArn(SEED.roles.githubDeploy, 'gha-4242-1')
    const result = await mainStep(
      { 'role-to-assume': SEED.roles.githubDeploy, 'role-session-name': 'gha-4242-1' },
      oidcEnv()
    )

    expectCalls({ AssumeRoleWithWebIdentity: 1, idToken: 1 })
    expect(emu.lastRequest('idToken')?.audience).toBe(SEED.oidc.audience)
    const token = emu.lastRequest('AssumeRoleWithWebIdentity')?.webIdentityToken ?? ''
    expect(token).toMatch(/^eyJ/)
    const session = theIssuedSession(SEED.roles.githubDeploy)
    expect(session.viaWebIdentity).toBe(true)
    expectSuccess(result, arn, session)
    expectNoLeaks(result, {
      'ID token': token,
      'ID token request token': emu.oidcRequestToken,
      ...secretsOf('session', session)
    })
    await expectCliAs(result.env, arn, GITHUB_DEPLOY_BUCKET)
  })

  scenario('from another branch: the trust policy refuses the token', async () => {
    emu.setIdTokenClaims({ ref: 'refs/heads/dev' })
    let result: StepResult
    try {
      result = await mainStep(
        { 'role-to-assume': SEED.roles.githubDeploy },
        { ...oidcEnv(), RUNNER_DEBUG: '1' }
      )
    } finally {
      emu.setIdTokenClaims({ ref: undefined })
    }

    expectCalls({ AssumeRoleWithWebIdentity: 1, idToken: 1 })
    const request = emu.lastRequest('AssumeRoleWithWebIdentity')
    expect(request?.errorCode).toBe('AccessDenied')
    expect(issuedSinceReset()).toEqual([])
    expectFailure(
      result,
      'Not authorized to assume the role with this OIDC token',
      'repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/dev'
    )
    expectNoLeaks(result, {
      'ID token': request?.webIdentityToken ?? '',
      'ID token request token': emu.oidcRequestToken
    })
  })

  scenario('web-identity-token-file: a token in the workspace → role/github-deploy', async () => {
    const workspace = join(jobDir, 'workspace')
    mkdirSync(workspace, { recursive: true })
    const token = await emu.mintIdToken({ aud: SEED.oidc.audience })
    writeFileSync(join(workspace, 'id-token.jwt'), `${token}\n`)
    const result = await mainStep({
      'role-to-assume': SEED.roles.githubDeploy,
      'web-identity-token-file': 'id-token.jwt'
    })

    expectCalls({ AssumeRoleWithWebIdentity: 1 })
    expect(emu.lastRequest('AssumeRoleWithWebIdentity')?.webIdentityToken).toBe(token)
    const session = theIssuedSession(SEED.roles.githubDeploy)
    const arn = assumedArn(SEED.roles.githubDeploy)
    expectSuccess(result, arn, session)
    expectNoLeaks(result, { 'ID token': token, ...secretsOf('session', session) })
    await expectCliAs(result.env, arn, GITHUB_DEPLOY_BUCKET)
  })
})

describe('role chaining', () => {
  scenario('a second step assumes role/chain-target with the first step’s session', async () => {
    const first = await assumeDeploy()

    resetCounts()
    const second = await mainStep(
      { 'role-to-assume': SEED.roles.chainTarget, 'role-chaining': 'true' },
      first.result.env
    )

    expectCalls({ AssumeRole: 1 })
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      accessKeyId: first.session.accessKeyId,
      callerArn: first.session.assumedRoleArn,
      status: 200
    })
    const session = theIssuedSession(SEED.roles.chainTarget)
    expect(session.chained).toBe(true)
    const arn = assumedArn(SEED.roles.chainTarget)
    expectSuccess(second, arn, session)
    expectNoLeaks(second, {
      'first session secret key': first.session.secretAccessKey,
      'first session token': first.session.sessionToken,
      ...secretsOf('chained session', session)
    })
    await expectCliAs({ ...first.result.env, ...second.env }, arn, CHAIN_TARGET_BUCKET)
  })

  scenario('role-duration-seconds over 3600: refused before any call', async () => {
    const first = await assumeDeploy()

    resetCounts()
    const second = await mainStep(
      {
        'role-to-assume': SEED.roles.chainTarget,
        'role-chaining': 'true',
        'role-duration-seconds': '7200'
      },
      first.result.env
    )

    expectCalls({})
    expect(issuedSinceReset()).toEqual([])
    expectFailure(second, 'Invalid input: role-duration-seconds', /3600/)
    expectNoLeaks(second, {}, secretsOf('first session', first.session))
  })
})

describe('refusals after or from STS', () => {
  scenario('allowed-account-ids without the account: issued keys masked, unexported', async () => {
    const result = await mainStep(
      { ...KEYS, 'role-to-assume': SEED.roles.deploy, 'allowed-account-ids': CROSS_ACCOUNT },
      { RUNNER_DEBUG: '1' }
    )

    expectCalls({ AssumeRole: 1 })
    const session = theIssuedSession(SEED.roles.deploy)
    expectFailure(result, 'Account not allowed', new RegExp(`${MAIN_ACCOUNT}.*${CROSS_ACCOUNT}`))
    expectNoLeaks(result, {
      'source secret key': SEED.user.secretAccessKey,
      ...secretsOf('refused session', session)
    })

    resetCounts()
    const post = await runPost(result, { jobDir })
    expect({ code: post.code, errors: annotations(post) }).toEqual({ code: 0, errors: [] })
    expect(post.env).toEqual({})
    expectCalls({})
  })

  scenario('role-duration-seconds over the role’s maximum: ValidationError', async () => {
    const result = await mainStep({
      ...KEYS,
      'role-to-assume': SEED.roles.shortSession,
      'role-duration-seconds': '7200'
    })

    expectCalls({ AssumeRole: 1 })
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      durationSeconds: 7200,
      errorCode: 'ValidationError'
    })
    expect(issuedSinceReset()).toEqual([])
    expectFailure(result, 'Session duration too long', /7200/)
    expectNoLeaks(result, { 'source secret key': SEED.user.secretAccessKey })
  })
})
