/**
 * Every consumer can use what the action writes: the AWS CLI v2, boto3, the JS SDK v3 (`fromIni`
 * and the default chain) and the Go SDK v2, for each kind of profile (static keys, role_arn +
 * source_profile, credential_process) and for exported variables. The emulator's counters prove
 * each consumer used our credentials: the keys it signed with, the AssumeRole it made with our
 * source keys and session name, the AssumeRoleWithWebIdentity our credential_process triggered.
 * The whole matrix runs twice: from the action's usual folders, and from an action folder whose
 * path holds a space and a `$` with a RUNNER_TEMP holding a space.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  prepareConsumers,
  type ConsumerName,
  type Consumers
} from '../../test-support/consumers.js'
import {
  MAIN_ENTRY,
  errorMessage,
  githubContext,
  newJobDir,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

let emu: Emulator
let consumers: Consumers
/** An action folder whose path holds a space and a `$` (the shell would expand `$HOME`). */
let hostileAction: string
beforeAll(async () => {
  emu = await startEmulator()
  consumers = await prepareConsumers(emu.url)
  hostileAction = join(mkdtempSync(join(tmpdir(), 'actions-')), 'my actions $HOME', 'assume role')
  mkdirSync(hostileAction, { recursive: true })
  cpSync(join(MAIN_ENTRY, '..'), join(hostileAction, 'dist'), { recursive: true })
}, 300_000)
afterAll(async () => {
  consumers?.close()
  await emu.close()
  rmSync(join(hostileAction, '..', '..'), { recursive: true, force: true })
})

const keys = {
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
}

interface Kind {
  name: string
  inputs: () => Record<string, string>
  env?: () => Record<string, string>
  consumers: ConsumerName[]
  /** What the emulator must have seen from one consumer run. */
  expectCalls: (job: Job) => void
  arn: string
}

interface Job {
  jobDir: string
  home: string
  main: StepResult
  /** The step's extra environment (RUNNER_TEMP, the ID-token variables). */
  env: Record<string, string>
}

const ALL: ConsumerName[] = [
  'AWS CLI v2',
  'boto3',
  'JS SDK v3 fromIni',
  'JS SDK v3 default chain',
  'Go SDK v2'
]

const KINDS: Kind[] = [
  {
    name: 'static keys (aws-profile)',
    inputs: () => ({
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.deploy,
      ...keys,
      'sts-endpoint': emu.url,
      'aws-profile': 'ci-static'
    }),
    consumers: ALL,
    expectCalls: job => {
      const written = /aws_access_key_id = (\S+)/.exec(
        readFileSync(join(job.home, '.aws', 'credentials'), 'utf8')
      )?.[1]
      expect(written).toMatch(/^ASIA/)
      expect(emu.stats()).toMatchObject({ GetCallerIdentity: 1, AssumeRole: 0, idToken: 0 })
      expect(emu.lastRequest('GetCallerIdentity')?.accessKeyId).toBe(written)
    },
    arn: 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'
  },
  {
    name: 'role_arn + source_profile (refresh-credentials, access keys)',
    inputs: () => ({
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.crossAccount,
      'role-external-id': SEED.externalId,
      ...keys,
      'sts-endpoint': emu.url,
      'aws-profile': 'ci-role',
      'refresh-credentials': 'true'
    }),
    consumers: ALL,
    expectCalls: () => {
      expect(emu.stats()).toMatchObject({ AssumeRole: 1, GetCallerIdentity: 1, idToken: 0 })
      expect(emu.lastRequest('AssumeRole')).toMatchObject({
        accessKeyId: SEED.user.accessKeyId,
        roleArn: SEED.roles.crossAccount,
        externalId: SEED.externalId,
        roleSessionName: 'GitHubActions'
      })
    },
    arn: 'arn:aws:sts::222222222222:assumed-role/AllowPutToS3/GitHubActions'
  },
  {
    name: 'credential_process (refresh-credentials, OIDC)',
    inputs: () => ({
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.githubDeploy,
      'sts-endpoint': emu.url,
      'aws-profile': 'ci-process',
      'refresh-credentials': 'true'
    }),
    env: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
    }),
    consumers: ALL,
    expectCalls: () => {
      expect(emu.stats()).toMatchObject({
        idToken: 1,
        AssumeRoleWithWebIdentity: 1,
        GetCallerIdentity: 1,
        AssumeRole: 0
      })
    },
    arn: 'arn:aws:sts::111111111111:assumed-role/github-deploy/GitHubActions'
  },
  {
    name: 'exported environment variables',
    inputs: () => ({
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.deploy,
      ...keys,
      'sts-endpoint': emu.url
    }),
    // fromIni reads profiles only; the default chain reads the variables.
    consumers: ALL.filter(name => name !== 'JS SDK v3 fromIni'),
    expectCalls: job => {
      expect(emu.stats()).toMatchObject({ GetCallerIdentity: 1, AssumeRole: 0, idToken: 0 })
      expect(emu.lastRequest('GetCallerIdentity')?.accessKeyId).toBe(job.main.env.AWS_ACCESS_KEY_ID)
    },
    arn: 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'
  }
]

/**
 * What of a consumer's stderr shows in the step's log. The Go SDK v2 passes the
 * credential_process's stderr through: `::add-mask::` lines there are runner commands, not
 * output.
 */
function stepLog(stderr: string): string {
  return stderr.replace(/^::add-mask::.*\n/gm, '')
}

/** The post step as the runner starts it: from the same action folder, state as STATE_*. */
function runPostFrom(entry: string, main: StepResult, jobDir: string, env: Record<string, string>) {
  const state = Object.entries(main.state).map(([name, value]) => [`STATE_${name}`, value])
  return runStep(join(entry, '..', 'post', 'index.js'), {
    jobDir,
    env: { ...main.env, ...env, ...Object.fromEntries(state) }
  })
}

interface Layout {
  name: string
  entry: () => string
  /** RUNNER_TEMP for the job, or the harness's default. */
  runnerTemp?: (jobDir: string) => string
}

const LAYOUTS: Layout[] = [
  { name: 'the usual folders', entry: () => MAIN_ENTRY },
  {
    name: "an action folder with a space and a '$', RUNNER_TEMP with a space",
    entry: () => join(hostileAction, 'dist', 'index.js'),
    runnerTemp: jobDir => join(jobDir, 'runner temp')
  }
]

describe.each(LAYOUTS)('from $name', layout => {
  describe.each(KINDS)('$name', kind => {
    let job: Job
    beforeAll(async () => {
      const jobDir = newJobDir()
      const runnerTemp = layout.runnerTemp?.(jobDir)
      if (runnerTemp) mkdirSync(runnerTemp, { recursive: true })
      // A RUNNER_TEMP the consumers cannot name: the user's private XDG_RUNTIME_DIR serves.
      const runtime = runnerTemp ? privateRuntimeDir(jobDir) : undefined
      const env = {
        ...kind.env?.(),
        ...(runnerTemp ? { RUNNER_TEMP: runnerTemp } : {}),
        ...(runtime ? { XDG_RUNTIME_DIR: runtime } : {})
      }
      const main = await runStep(layout.entry(), { jobDir, inputs: kind.inputs(), env })
      expect(main.code).toBe(0)
      job = { jobDir, home: githubContext(jobDir).HOME ?? '', main, env }
    }, 120_000)
    afterAll(async () => {
      const post = await runPostFrom(layout.entry(), job.main, job.jobDir, job.env)
      expect(post.code).toBe(0)
      rmSync(job.jobDir, { recursive: true, force: true })
    })

    test.each(kind.consumers)('%s uses it', async name => {
      emu.resetStats()
      // A later step: the job's environment with the action's exports, HOME as the runner sets it.
      const result = await consumers.run(name, { HOME: job.home, ...job.main.env })
      expect(stepLog(result.stderr)).toBe('')
      expect(result.code).toBe(0)
      expect(result.arn).toBe(kind.arn)
      kind.expectCalls(job)
    })
  })
})

/** A folder like /run/user/UID: the user's own, 0700, with a path every consumer can name. */
function privateRuntimeDir(jobDir: string): string {
  const dir = join(jobDir, 'run-user')
  mkdirSync(dir, { mode: 0o700 })
  return dir
}

describe('the credential_process launcher', () => {
  test('with RUNNER_TEMP unusable and only a shared /tmp left, refresh is refused with the fix, before any call', async () => {
    const jobDir = newJobDir()
    const runnerTemp = join(jobDir, 'runner temp')
    mkdirSync(runnerTemp)
    emu.resetStats()
    const main = await runStep(join(hostileAction, 'dist', 'index.js'), {
      jobDir,
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken,
        RUNNER_TEMP: runnerTemp,
        TMPDIR: '/tmp'
      },
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.githubDeploy,
        'sts-endpoint': emu.url,
        'aws-profile': 'ci',
        'refresh-credentials': 'true'
      }
    })
    expect(main.code).toBe(1)
    expect(errorMessage(main)).toMatch(
      /refresh-credentials with OIDC needs a private temporary folder \(never a shared one such as \/tmp\).*set XDG_RUNTIME_DIR or TMPDIR to a private folder/
    )
    expect(emu.stats().requests).toBe(0)
    expect(existsSync(join(githubContext(jobDir).HOME ?? '', '.aws', 'config'))).toBe(false)
    rmSync(jobDir, { recursive: true, force: true })
  })

  test('sits in a folder every consumer can name, and post removes it', async () => {
    const jobDir = newJobDir()
    const runnerTemp = join(jobDir, 'runner temp')
    mkdirSync(runnerTemp)
    const runtime = privateRuntimeDir(jobDir)
    const main = await runStep(join(hostileAction, 'dist', 'index.js'), {
      jobDir,
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken,
        RUNNER_TEMP: runnerTemp,
        XDG_RUNTIME_DIR: runtime
      },
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.githubDeploy,
        'sts-endpoint': emu.url,
        'aws-profile': 'ci',
        'refresh-credentials': 'true'
      }
    })
    expect(main.code).toBe(0)
    const home = githubContext(jobDir).HOME ?? ''
    const config = readFileSync(join(home, '.aws', 'config'), 'utf8')
    // RUNNER_TEMP has a space, so the user's private XDG_RUNTIME_DIR holds the launcher, never /tmp.
    const line = /credential_process = (.*)\n/.exec(config)?.[1] ?? ''
    expect(line).toMatch(/^\/bin\/sh \/[A-Za-z0-9_./-]+\/assume-aws-role-\w+\/credential-process$/)
    expect(line.startsWith(`/bin/sh ${runtime}/assume-aws-role-`)).toBe(true)
    const launcher = line.slice('/bin/sh '.length)
    const folder = join(launcher, '..')
    expect(readFileSync(launcher, 'utf8')).toContain(`'${join(hostileAction, 'dist', 'index.js')}'`)
    expect(existsSync(join(folder, 'config.json'))).toBe(true)

    const post = await runPostFrom(join(hostileAction, 'dist', 'index.js'), main, jobDir, {
      RUNNER_TEMP: runnerTemp,
      XDG_RUNTIME_DIR: runtime
    })
    expect(post.code).toBe(0)
    expect(existsSync(folder)).toBe(false)
    expect(existsSync(join(home, '.aws', 'config'))).toBe(false)
    rmSync(jobDir, { recursive: true, force: true })
  })
})
