/**
 * The start-up bench's scenarios (bare node, main keys→role and OIDC→role at 0 and 40 ms, a main
 * step failing validation, the post step) and the check each run must pass.
 */
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { SEED, type Emulator } from '../../test-support/emulator/index.js'
import {
  MAIN_ENTRY,
  POST_ENTRY,
  runStep,
  type StepOptions,
  type StepResult
} from '../../test-support/runner.js'

export type Kind = 'bare' | 'main' | 'invalid' | 'post'

export interface Scenario {
  id: string
  label: string
  kind: Kind
  latencyMs: number
  /** STS requests every run must make. */
  expectSts: number
  entry: string
  inputs: Record<string, string>
  env: Record<string, string>
}

export interface RunSample {
  durationMs: number
  sts: number
  idToken: number
  ok: boolean
  problem?: string
}

export const stsRequests = (s: ReturnType<Emulator['stats']>): number =>
  s.AssumeRole + s.AssumeRoleWithWebIdentity + s.GetCallerIdentity + s.other

/** The most telling line of a failed child's stderr (the error, not node's version footer). */
export function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
  return (lines.find(l => /Error|error:/.test(l)) ?? lines.at(-1) ?? '(no stderr)').slice(0, 200)
}

export function checkResult(kind: Kind, r: StepResult): string | undefined {
  const annotation = r.lines.find(l => l.startsWith('::error'))
  const tail = (annotation ?? (r.stderr ? errorLine(r.stderr) : r.log.at(-1)) ?? '').slice(0, 200)
  switch (kind) {
    case 'bare':
      return r.code === 0 ? undefined : `exit ${r.code}: ${tail}`
    case 'main':
      if (r.code !== 0) return `exit ${r.code}: ${tail}`
      if (!r.env.AWS_SESSION_TOKEN) return 'no AWS_SESSION_TOKEN exported'
      return undefined
    case 'invalid':
      if (r.code !== 1) return `expected exit 1 from invalid input, got ${r.code}`
      if (!r.lines.some(l => l.startsWith('::error'))) return 'no ::error annotation'
      return undefined
    case 'post':
      if (r.code !== 0) return `exit ${r.code}: ${tail}`
      if (r.env.AWS_SESSION_TOKEN !== '') return 'post did not blank AWS_SESSION_TOKEN'
      return undefined
  }
}

/**
 * The scenarios, against `emu`, with the empty module at `emptyModule`. The post step needs a main
 * step's state: it comes from one real keys→role run, with the environment runPost() gives it
 * (the main step's exports, then STATE_* variables).
 */
export async function buildScenarios(
  emu: Emulator,
  base: StepOptions,
  tmp: string,
  emptyModule: string
): Promise<Scenario[]> {
  const keysInputs = {
    'aws-region': SEED.region,
    'role-to-assume': SEED.roles.deploy,
    'aws-access-key-id': SEED.user.accessKeyId,
    'aws-secret-access-key': SEED.user.secretAccessKey,
    'sts-endpoint': emu.url
  }
  const oidcInputs = {
    'aws-region': SEED.region,
    'role-to-assume': SEED.roles.githubDeploy,
    'sts-endpoint': emu.url
  }
  const oidcEnv = {
    ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
  }
  emu.clearFaults()
  const mainForPost = await runStep(MAIN_ENTRY, {
    ...base,
    jobDir: mkdtempSync(join(tmp, 'job-')),
    inputs: keysInputs
  })
  const seedProblem = checkResult('main', mainForPost)
  if (seedProblem) throw new Error(`keys→role main step failed: ${seedProblem}`)
  const postEnv = {
    ...mainForPost.env,
    ...Object.fromEntries(Object.entries(mainForPost.state).map(([k, v]) => [`STATE_${k}`, v]))
  }

  return [
    {
      id: 'bare',
      label: 'node empty.mjs',
      kind: 'bare',
      latencyMs: 0,
      expectSts: 0,
      entry: emptyModule,
      inputs: {},
      env: {}
    },
    ...[0, 40].flatMap((latencyMs): Scenario[] => [
      {
        id: `keys-${latencyMs}`,
        label: `main keys→role @${latencyMs}ms`,
        kind: 'main',
        latencyMs,
        expectSts: 1,
        entry: MAIN_ENTRY,
        inputs: keysInputs,
        env: {}
      },
      {
        id: `oidc-${latencyMs}`,
        label: `main OIDC→role @${latencyMs}ms`,
        kind: 'main',
        latencyMs,
        expectSts: 1,
        entry: MAIN_ENTRY,
        inputs: oidcInputs,
        env: oidcEnv
      }
    ]),
    {
      id: 'invalid',
      label: 'main, input fails validation',
      kind: 'invalid',
      latencyMs: 0,
      expectSts: 0,
      entry: MAIN_ENTRY,
      inputs: { ...keysInputs, 'role-duration-seconds': 'soon' },
      env: {}
    },
    {
      id: 'post',
      label: 'post (state of a keys run)',
      kind: 'post',
      latencyMs: 0,
      expectSts: 0,
      entry: POST_ENTRY,
      // The runner gives the post step the main step's inputs too.
      inputs: keysInputs,
      env: postEnv
    }
  ]
}
