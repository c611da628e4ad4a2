/**
 * The sample's per-account matrix job (`matrix-oidc` in .github/workflows/example.yml) through the
 * committed bundle: its `include:` entries expanded into legs, the legs run side by side as the
 * runner runs them (each its own job folder, processes and env/output files), and the real AWS CLI
 * in each leg must be that leg's account. One more leg with a wrong role ARN for its account shows
 * allowed-account-ids refusing it with nothing exported. Also: how the access-keys matrix expands
 * from its repository variable, and the emulator's connection counter that
 * `npm run load -- --matrix` reports.
 */
import { existsSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  AWS_CLI,
  awsCli,
  errorMessage,
  MAIN_ENTRY,
  newJobDir,
  ROOT,
  runStep,
  type CliResult,
  type StepResult
} from '../../test-support/runner.js'
import { planJob, type Leg } from '../../test-support/workflow.js'

const WORKFLOW = join(ROOT, '.github', 'workflows', 'example.yml')
const RUN_ID = '4242'
const LEG_TIMEOUT_MS = 40_000

interface LegRun {
  account: string
  inputs: Record<string, string>
  step: StepResult
  cli: CliResult
}

let emu: Emulator

beforeAll(async () => {
  if (!existsSync(AWS_CLI))
    throw new Error(`${AWS_CLI} is missing: install Debian's AWS CLI v2 (apt-get install awscli)`)
  emu = await startEmulator()
})

afterAll(async () => {
  await emu.close()
})

/** The leg's `uses:` step of this action: the one with id `aws`. */
function actionInputs(leg: Leg): Record<string, string> {
  const step = leg.steps.find(s => s.id === 'aws')
  if (!step) throw new Error(`${leg.name}: no step with id aws`)
  return Object.fromEntries(step.with)
}

/** One leg: the main step with the runner's OIDC variables, then `aws sts get-caller-identity`. */
async function runLeg(account: string, inputs: Record<string, string>): Promise<LegRun> {
  const jobDir = newJobDir()
  try {
    const step = await runStep(MAIN_ENTRY, {
      inputs: { ...inputs, 'sts-endpoint': emu.url },
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
      },
      jobDir,
      timeoutMs: LEG_TIMEOUT_MS
    })
    // A leg that exported nothing has no region either; name one so the CLI gets to credentials.
    const region = step.env.AWS_REGION ? [] : ['--region', inputs['aws-region'] ?? '']
    const cli = await awsCli(
      ['sts', 'get-caller-identity', '--output', 'json', ...region],
      step.env,
      emu.url,
      {
        jobDir,
        timeoutMs: LEG_TIMEOUT_MS
      }
    )
    return { account, inputs, step, cli }
  } finally {
    rmSync(jobDir, { recursive: true, force: true })
  }
}

test('each leg of the sample matrix is its own account; a wrong role for an account exports nothing', async () => {
  const job = planJob(WORKFLOW, 'matrix-oidc', { 'github.run_id': RUN_ID })
  expect(job.failFast).toBe(false)
  expect(job.legs.map(leg => leg.matrix.account)).toEqual([
    SEED.accounts.main,
    SEED.accounts.cross,
    SEED.accounts.third
  ])
  expect(job.legs.map(leg => leg.concurrency)).toEqual(
    job.legs.map(leg => `deploy-${leg.matrix.account}`)
  )
  const legs = job.legs.map(leg => ({
    account: leg.matrix.account ?? '',
    inputs: actionInputs(leg)
  }))
  // An entry whose role ARN names another account than its own: the mistake
  // allowed-account-ids is there to stop.
  const main = legs[0]
  if (!main) throw new Error('no legs')
  const wrong = {
    account: main.account,
    inputs: {
      ...main.inputs,
      'role-to-assume': `arn:aws:iam::${SEED.accounts.cross}:role/github-deploy`
    }
  }
  emu.resetStats()

  const runs = await Promise.all([...legs, wrong].map(leg => runLeg(leg.account, leg.inputs)))
  const good = runs.slice(0, legs.length)
  const refused = runs[legs.length] as LegRun

  const secretsOf = (run: LegRun): string[] =>
    ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].map(
      name => run.step.env[name] ?? ''
    )
  for (const [i, run] of good.entries()) {
    const arn = `arn:aws:sts::${run.account}:assumed-role/github-deploy/gha-${RUN_ID}-${run.account}`
    expect({ account: run.account, code: run.step.code, error: errorMessage(run.step) }).toEqual({
      account: run.account,
      code: 0,
      error: undefined
    })
    expect(run.step.outputs).toEqual({ 'aws-account-id': run.account, 'authenticated-arn': arn })
    expect(run.step.env.AWS_REGION).toBe(run.inputs['aws-region'])
    // The AWS CLI in the leg sees the leg's own account, through what the leg exported only.
    expect(run.cli.code).toBe(0)
    expect(JSON.parse(run.cli.stdout)).toMatchObject({ Account: run.account, Arn: arn })
    const issued = emu
      .issuedCredentials()
      .find(c => c.accessKeyId === run.step.env.AWS_ACCESS_KEY_ID)
    expect(issued?.roleArn).toBe(run.inputs['role-to-assume'])
    // No other leg's credentials anywhere in this leg's files or logs.
    const seen = [run.step.stdout, run.step.stderr, JSON.stringify(run.step.env)].join('\n')
    const others = runs
      .filter((_, j) => j !== i)
      .flatMap(secretsOf)
      .filter(Boolean)
    expect(others.filter(secret => seen.includes(secret))).toEqual([])
  }

  // STS answered the wrong leg (for account 222222222222), and the action refused it.
  expect(refused.step.code).toBe(1)
  expect(errorMessage(refused.step)).toContain(
    `The credentials are for account ${SEED.accounts.cross}, which is not in allowed-account-ids (${SEED.accounts.main}).`
  )
  expect(refused.step.env).toEqual({})
  expect(refused.step.outputs).toEqual({})
  expect(refused.step.lines.filter(line => line.startsWith('::add-mask::'))).not.toHaveLength(0)
  const leaked = emu
    .secretsSeen()
    .filter(
      secret =>
        refused.step.log.some(line => line.includes(secret)) || refused.step.stderr.includes(secret)
    )
  expect(leaked).toEqual([])
  // With nothing exported the leg's AWS CLI has no credentials at all.
  expect(refused.cli.code).not.toBe(0)
  expect(refused.cli.stderr).toMatch(/Unable to locate credentials/)

  // The action: one ID token and one STS call per leg. The CLI: one call per leg that had
  // credentials to sign with.
  const stats = emu.stats()
  expect({
    AssumeRoleWithWebIdentity: stats.AssumeRoleWithWebIdentity,
    AssumeRole: stats.AssumeRole,
    GetCallerIdentity: stats.GetCallerIdentity,
    idToken: stats.idToken
  }).toEqual({
    AssumeRoleWithWebIdentity: runs.length,
    AssumeRole: 0,
    GetCallerIdentity: good.length,
    idToken: runs.length
  })
}, 90_000)

/** Polls `check` every 10 ms, up to 2 s (connection events reach the server asynchronously). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise(r => setTimeout(r, 10))
}

test('the emulator counts the connections it holds at once', async () => {
  emu.resetStats()
  const sockets: Socket[] = await Promise.all(
    Array.from(
      { length: 5 },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(emu.port, '127.0.0.1', () => resolve(socket))
          socket.on('error', reject)
        })
    )
  )
  await until(() => emu.stats().connections.open === 5)
  expect(emu.stats().connections).toEqual({ open: 5, peak: 5 })
  sockets.slice(0, 3).forEach(socket => socket.destroy())
  await until(() => emu.stats().connections.open === 2)
  expect(emu.stats().connections).toEqual({ open: 2, peak: 5 })
  // A reset restarts the peak from what is still open.
  emu.resetStats()
  expect(emu.stats().connections).toEqual({ open: 2, peak: 2 })
  sockets.forEach(socket => socket.destroy())
  await until(() => emu.stats().connections.open === 0)
  expect(emu.stats().connections.open).toBe(0)
})

test('the access-keys matrix takes its legs from the repository variable, and is skipped without it', () => {
  const targets = [
    {
      account: '012345678901',
      role: 'arn:aws:iam::012345678901:role/ci-deploy',
      region: 'eu-west-1'
    },
    { account: SEED.accounts.cross, role: `arn:aws:iam::${SEED.accounts.cross}:role/ci-deploy` }
  ]
  const context = {
    'github.run_id': RUN_ID,
    'vars.AWS_DEPLOY_TARGETS': JSON.stringify(targets),
    'secrets.AWS_ACCESS_KEY_ID': SEED.user.accessKeyId,
    'secrets.AWS_SECRET_ACCESS_KEY': SEED.user.secretAccessKey,
    'secrets.AWS_ROLE_EXTERNAL_ID': 'an-external-id'
  }
  const job = planJob(WORKFLOW, 'matrix-access-keys', context)
  expect(job).toMatchObject({ skipped: false, failFast: false })
  expect(
    job.legs.map(leg => ({ name: leg.name, group: leg.concurrency, inputs: actionInputs(leg) }))
  ).toEqual(
    targets.map(t => ({
      name: `Deploy with access keys to ${t.account}`,
      group: `deploy-${t.account}`,
      inputs: {
        'aws-access-key-id': SEED.user.accessKeyId,
        'aws-secret-access-key': SEED.user.secretAccessKey,
        'role-to-assume': t.role,
        'role-external-id': 'an-external-id',
        'role-session-name': `gha-${RUN_ID}-${t.account}`,
        'role-duration-seconds': '900',
        // An entry without a region gives an empty input, as GitHub evaluates a missing key.
        'aws-region': t.region ?? '',
        'allowed-account-ids': t.account
      }
    }))
  )
  expect(
    planJob(WORKFLOW, 'matrix-access-keys', { ...context, 'vars.AWS_DEPLOY_TARGETS': '' })
  ).toMatchObject({ skipped: true, legs: [] })
})
