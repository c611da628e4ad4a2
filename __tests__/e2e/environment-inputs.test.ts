/**
 * Environment variables as inputs, through the committed bundle: the seed workflow
 * (__tests__/fixtures/seed-workflow.yml, the older docker action's ROLE_ARN / ROLE_SESSION_NAME /
 * DURATION_SECONDS with keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) replayed step by step
 * as the runner would run it, its `run:` steps with the real AWS CLI; and configure-aws-credentials'
 * own variable names. Which variable supplied an input is logged, never a value.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  awsCli,
  errorMessage,
  errorTitle,
  MAIN_ENTRY,
  newJobDir,
  ROOT,
  runStep,
  type CliResult,
  type StepResult
} from '../../test-support/runner.js'

const CASE_TIMEOUT_MS = 30_000
/** The repository secrets the seed workflow reads. */
const SECRETS: Record<string, string> = {
  AWS_ACCESS_KEY_ID: SEED.robot.accessKeyId,
  AWS_SECRET_ACCESS_KEY: SEED.robot.secretAccessKey,
  AWS_ASSUME_ROLE_ARN: SEED.roles.robot
}

interface WorkflowStep {
  name?: string
  uses?: string
  run?: string
  env?: Record<string, string | number>
  with?: Record<string, string | number>
}
interface Workflow {
  jobs: Record<string, { env?: Record<string, string>; steps: WorkflowStep[] }>
}

let emu: Emulator
let jobDir = ''

beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})
beforeEach(() => {
  emu.resetStats()
  jobDir = newJobDir()
})
afterEach(() => {
  rmSync(jobDir, { recursive: true, force: true })
})

/** `${{ secrets.NAME }}` replaced as the runner does; YAML numbers become strings. */
function evaluate(values: Record<string, string | number> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      String(value).replace(
        /\$\{\{\s*secrets\.(\w+)\s*\}\}/g,
        (_, secret: string) => SECRETS[secret] ?? ''
      )
    ])
  )
}

interface Replay {
  action: StepResult
  cli: CliResult[]
}

/**
 * Runs the workflow's one job: the action step (our bundle; the emulator as its STS endpoint) with
 * the job's and the step's env, then each `run: aws …` step with the job's env plus the exports.
 */
async function replay(changeStepEnv: Record<string, string> = {}): Promise<Replay> {
  const workflow = parse(
    readFileSync(join(ROOT, '__tests__', 'fixtures', 'seed-workflow.yml'), 'utf8')
  ) as Workflow
  const job = Object.values(workflow.jobs)[0]
  if (!job) throw new Error('the seed workflow has no job')
  let jobEnv = evaluate(job.env)
  let action: StepResult | undefined
  const cli: CliResult[] = []
  for (const step of job.steps) {
    if (step.uses) {
      expect(step.uses).toBe('OWNER/assume-aws-role-action@v1')
      action = await runStep(MAIN_ENTRY, {
        inputs: { ...evaluate(step.with), 'sts-endpoint': emu.url },
        env: { ...jobEnv, ...evaluate(step.env), ...changeStepEnv },
        jobDir
      })
      if (action.code !== 0) break
      jobEnv = { ...jobEnv, ...action.env }
    } else if (step.run?.startsWith('aws ')) {
      cli.push(await awsCli(step.run.split(' ').slice(1), jobEnv, emu.url, { jobDir }))
    }
  }
  if (!action) throw new Error('the seed workflow has no action step')
  return { action, cli }
}

test(
  'the seed workflow as written (DURATION_SECONDS: 120): one clear error naming the variable and STS’s 900-second minimum, nothing sent or exported',
  async () => {
    const { action, cli } = await replay()
    expect(action.code).toBe(1)
    expect(errorTitle(action)).toBe('Invalid input: role-duration-seconds')
    expect(errorMessage(action)).toBe(
      "Input 'role-duration-seconds' (from the environment variable DURATION_SECONDS) is 120 seconds, shorter than STS allows: AssumeRole and AssumeRoleWithWebIdentity refuse DurationSeconds below 900 (15 minutes) with a ValidationError. Use 900 or more (at most 43200)."
    )
    expect(action.env).toEqual({})
    expect(action.outputs).toEqual({})
    expect(emu.stats().requests).toBe(0)
    expect(cli).toEqual([])
  },
  CASE_TIMEOUT_MS
)

test(
  'the seed workflow with DURATION_SECONDS: 900 runs: the robot assumes role/robot, the later aws steps are that session',
  async () => {
    const { action, cli } = await replay({ DURATION_SECONDS: '900' })
    expect(action.code).toBe(0)
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      roleArn: SEED.roles.robot,
      roleSessionName: 'github-actions',
      durationSeconds: 900,
      callerArn: SEED.robot.arn,
      status: 200
    })
    expect(action.log.filter(line => line.startsWith('Input '))).toEqual([
      'Input aws-region: from the environment variable AWS_DEFAULT_REGION',
      'Input role-to-assume: from the environment variable ROLE_ARN',
      'Input role-duration-seconds: from the environment variable DURATION_SECONDS',
      'Input role-session-name: from the environment variable ROLE_SESSION_NAME'
    ])
    expect(action.log).toContain(
      'Source credentials: from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment'
    )
    expect(action.env.AWS_REGION).toBe('ap-northeast-1')
    // The robot's keys (from secrets) are masked, the key ID too, before any line shows them.
    for (const secret of [SEED.robot.accessKeyId, SEED.robot.secretAccessKey]) {
      expect(action.masks).toContain(secret)
      expect(action.log.join('\n')).not.toContain(secret)
    }
    const [who, ls] = cli
    expect(who?.code).toBe(0)
    expect(JSON.parse(who?.stdout ?? '{}').Arn).toBe(
      `arn:aws:sts::${SEED.accounts.main}:assumed-role/robot/github-actions`
    )
    expect({ code: ls?.code, stderr: ls?.stderr }).toEqual({ code: 0, stderr: '' })
  },
  CASE_TIMEOUT_MS
)

test(
  'configure-aws-credentials’ names (ROLE_TO_ASSUME, ROLE_SESSION_NAME, ROLE_DURATION_SECONDS, AWS_REGION) with keys as inputs',
  async () => {
    const result = await runStep(MAIN_ENTRY, {
      inputs: {
        'aws-access-key-id': SEED.user.accessKeyId,
        'aws-secret-access-key': SEED.user.secretAccessKey,
        'sts-endpoint': emu.url
      },
      env: {
        AWS_REGION: 'us-east-1',
        ROLE_TO_ASSUME: SEED.roles.deploy,
        ROLE_SESSION_NAME: 'from-env',
        ROLE_DURATION_SECONDS: '1800'
      },
      jobDir
    })
    expect(result.code).toBe(0)
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      roleArn: SEED.roles.deploy,
      roleSessionName: 'from-env',
      durationSeconds: 1800
    })
    expect(result.outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${SEED.accounts.main}:assumed-role/deploy/from-env`
    )
  },
  CASE_TIMEOUT_MS
)
