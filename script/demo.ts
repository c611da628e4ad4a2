/**
 * `npm run demo`: every job of .github/workflows/example.yml as a run of it reads in the Actions
 * UI, against the loopback emulator (STS, S3 and GitHub's ID-token endpoint). Matrix jobs are
 * expanded into their legs, and every leg of every job runs side by side, as GitHub runs them: each
 * in its own job folder, each step a process of its own with its own env/output files. A leg runs
 * the committed bundle as the runner runs it (inputs from the workflow's `with:` plus action.yml's
 * defaults, and sts-endpoint pointing at the emulator), then the workflow's AWS CLI steps with the
 * leg's environment, then the post step. Each matrix ends with one line per leg: account, assumed
 * ARN, time. One leg of the access-keys matrix names a role that does not trust the caller, to show
 * how a failing leg reads; the demo exits 1 if any other step failed. Loopback only.
 *
 *   npm run demo [-- --job <id>]
 */
import { rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../test-support/emulator/index.js'
import { KEYS_MATRIX, keysMatrixWorld } from '../test-support/matrix-worlds.js'
import {
  AWS_CLI,
  awsCli,
  errorMessage,
  errorTitle,
  githubContext,
  MAIN_ENTRY,
  newJobDir,
  ROOT,
  runPost,
  requireActionNode,
  requireAwsCli,
  runStep,
  type StepResult
} from '../test-support/runner.js'
import { jobIds, planJob, type Leg, type PlannedJob } from '../test-support/workflow.js'

const WORKFLOW = join(ROOT, '.github', 'workflows', 'example.yml')
/** Per step; generous because every leg's AWS CLI starts at once, on however few cores. */
const STEP_TIMEOUT_MS = 60_000

/** What `${{ … }}` in the sample resolves to: the seed world's keys and roles, a run's context. */
const SECRETS: Record<string, string> = {
  AWS_ACCESS_KEY_ID: SEED.user.accessKeyId,
  AWS_SECRET_ACCESS_KEY: SEED.user.secretAccessKey,
  AWS_ASSUME_ROLE_ARN: SEED.roles.deploy,
  AWS_ROLE_EXTERNAL_ID: KEYS_MATRIX.externalId
}
/** The run the runner's context describes (runStep sets GITHUB_RUN_ID; the attempt is ours). */
const RUN_ID = githubContext(ROOT).GITHUB_RUN_ID ?? '1'
const RUN_ATTEMPT = '1'
const CONTEXT: Record<string, string> = {
  ...Object.fromEntries(Object.entries(SECRETS).map(([name, value]) => [`secrets.${name}`, value])),
  'vars.AWS_ROLE_ARN': SEED.roles.githubDeploy,
  // The access-keys matrix's accounts, as the repository variable would hold them.
  'vars.AWS_DEPLOY_TARGETS': JSON.stringify(KEYS_MATRIX.entries),
  'github.run_id': RUN_ID,
  'github.run_attempt': RUN_ATTEMPT
}

/** Whether a `uses:` names this action: `./` in this repository, `<owner>/…@ref` once copied. */
function isThisAction(uses: string | undefined): boolean {
  return uses === './' || /^[\w.-]+\/assume-aws-role-action(@|$)/.test(uses ?? '')
}

/** The leg the demo means to fail: its role's trust names another user. */
function expectedToFail(leg: Leg): boolean {
  return leg.matrix.account === KEYS_MATRIX.untrustingAccount
}

/** The job's masks: repository secrets from the start, then every ::add-mask:: a step issues. */
class Masks {
  private readonly values = new Set<string>()

  add(...values: string[]): void {
    for (const value of values) if (value) this.values.add(value)
  }

  apply(text: string): string {
    return [...this.values]
      .sort((a, b) => b.length - a.length)
      .reduce((out, secret) => out.split(secret).join('***'), text)
  }
}

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter(line => line.trim() !== '')
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/** One job's log, collected so jobs can run side by side (as GitHub runs them) and print in turn. */
class JobLog {
  readonly lines: string[] = []

  constructor(private readonly masks: Masks) {}

  line(text = ''): void {
    this.lines.push(text)
  }

  header(ok: boolean | 'skipped', name: string, ms?: number): void {
    const mark = ok === 'skipped' ? '▷' : ok ? '▶' : '✗'
    const status = ok === 'skipped' ? 'skipped' : ms === undefined ? '' : seconds(ms)
    this.line(`${mark} ${name}${status ? `  · ${status}` : ''}`)
  }

  /** Step output as the UI shows it: indented, every job mask applied. */
  body(lines: string[]): void {
    for (const text of lines) this.line(`  ${this.masks.apply(text)}`)
  }
}

/** What a leg did, for the matrix's closing lines. */
interface LegResult {
  leg: Leg
  ok: boolean
  log: string[]
  ms: number
  account?: string
  arn?: string
  /** The action step's error, when it failed. */
  error?: string
}

/** Runs one leg in a folder of its own (HOME, workspace), removed after; ok when every step passed. */
async function runLeg(emu: Emulator, leg: Leg): Promise<LegResult> {
  const jobDir = newJobDir()
  const started = performance.now()
  try {
    return { ...(await runSteps(emu, leg, jobDir)), ms: performance.now() - started }
  } finally {
    rmSync(jobDir, { recursive: true, force: true })
  }
}

/** The leg's steps in order (skipped after a failure, as the runner does), then its post steps. */
async function runSteps(emu: Emulator, leg: Leg, jobDir: string): Promise<Omit<LegResult, 'ms'>> {
  const masks = new Masks()
  const log = new JobLog(masks)
  log.line(`━━ Job: ${leg.name} (${leg.jobId}) ━━`)
  masks.add(...Object.values(SECRETS))
  let jobEnv: Record<string, string> = { GITHUB_RUN_ATTEMPT: RUN_ATTEMPT }
  if (leg.idToken) {
    jobEnv.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl
    jobEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken
    masks.add(emu.oidcRequestToken)
  }
  let ok = true
  let action: StepResult | undefined
  const posts: Array<{ name: string; main: StepResult }> = []

  for (const step of leg.steps) {
    if (step.uses?.startsWith('actions/checkout')) continue // the demo runs from this checkout
    const name = step.name || step.run || step.uses || 'step'
    if (!ok) {
      log.header('skipped', name)
      continue
    }
    if (isThisAction(step.uses)) {
      const given = Object.fromEntries(step.with)
      given['sts-endpoint'] = emu.url
      const result = await runStep(MAIN_ENTRY, {
        inputs: given,
        env: jobEnv,
        jobDir,
        timeoutMs: STEP_TIMEOUT_MS
      })
      masks.add(...result.masks)
      log.header(result.code === 0, name, result.durationMs)
      log.body([
        `Run ${step.uses ?? ''}`,
        '  with:',
        ...Object.entries(given).map(([key, value]) => `    ${key}: ${value}`)
      ])
      log.body([...result.log, ...stderrLines(result.stderr)])
      jobEnv = { ...jobEnv, ...result.env }
      posts.unshift({ name, main: result })
      action ??= result
      ok = result.code === 0
    } else if (step.run?.startsWith('aws ') && !step.run.includes('\n')) {
      const started = performance.now()
      const args = step.run.split(/\s+/).slice(1)
      const cli = await awsCli(args, jobEnv, emu.url, { jobDir, timeoutMs: STEP_TIMEOUT_MS })
      log.header(cli.code === 0, name, performance.now() - started)
      log.body([`Run ${step.run}`, ...cli.stdout.split('\n').filter(Boolean)])
      log.body(stderrLines(cli.stderr))
      if (cli.code === null)
        log.body([`Error: The demo stopped the step after ${seconds(STEP_TIMEOUT_MS)}.`])
      else if (cli.code !== 0) log.body([`Error: Process completed with exit code ${cli.code}.`])
      ok = cli.code === 0
    } else {
      throw new Error(`${leg.jobId}: the demo runs this action and one-line aws steps, not ${name}`)
    }
  }

  // Post steps run last, in reverse order, whatever happened before (post-if: always()).
  for (const { name, main } of posts) {
    const post = await runPost(main, { env: jobEnv, jobDir, timeoutMs: STEP_TIMEOUT_MS })
    log.header(post.code === 0, `Post ${name}`, post.durationMs)
    log.body(['Post job cleanup.', ...post.log, ...stderrLines(post.stderr)])
    ok &&= post.code === 0
  }
  log.line(ok ? '✓ Job succeeded' : '✗ Job failed')
  log.line()
  // The annotation's title is the one-line reason; the message below it says the fix.
  const error =
    action && action.code !== 0 ? (errorTitle(action) ?? errorMessage(action)) : undefined
  return {
    leg,
    ok,
    log: log.lines,
    account: action?.outputs['aws-account-id'],
    arn: action?.outputs['authenticated-arn'],
    error: error === undefined ? undefined : masks.apply(error)
  }
}

/**
 * A matrix's closing lines: how GitHub planned it, then one line per leg. Legs sharing a
 * concurrency group would wait for each other on GitHub, which the demo does not model.
 */
function matrixSummary(job: PlannedJob, results: LegResult[]): string[] {
  const failed = results.filter(r => !r.ok).length
  const lines = [
    `━━ Matrix ${job.id}: ${results.length} legs side by side, fail-fast: ${job.failFast}, ` +
      `${results.length - failed} succeeded, ${failed} failed ━━`
  ]
  for (const r of results) {
    const account = r.leg.matrix.account ?? r.account ?? '?'
    const what = r.ok
      ? (r.arn ?? '(no authenticated-arn output)')
      : `failed: ${r.error ?? 'a step failed'}`
    const group = r.leg.concurrency ? `  [concurrency ${r.leg.concurrency}]` : ''
    lines.push(`  ${r.ok ? '✓' : '✗'} ${account}  ${what}  ${seconds(r.ms)}${group}`)
  }
  lines.push('')
  return lines
}

function checkConcurrency(job: PlannedJob): void {
  const groups = job.legs.flatMap(leg => (leg.concurrency ? [leg.concurrency] : []))
  const repeated = groups.find((group, i) => groups.indexOf(group) !== i)
  if (repeated)
    throw new Error(`${job.id}: two legs share concurrency group ${repeated}; on GitHub they wait`)
}

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`)
}

/** `--job <id>` limits the demo to one job of the sample. */
function selectedJobs(): string[] {
  const all = jobIds(WORKFLOW)
  const index = process.argv.indexOf('--job')
  if (index === -1) return all
  const id = process.argv[index + 1] ?? ''
  if (!all.includes(id)) throw new Error(`--job must be one of ${all.join(', ')} (got "${id}")`)
  return [id]
}

async function main(): Promise<number> {
  // What the run needs, named before anything starts: the workflow's aws steps and Node 24.
  requireAwsCli()
  requireActionNode()
  const jobs = selectedJobs().map(id => planJob(WORKFLOW, id, CONTEXT))
  jobs.forEach(checkConcurrency)
  const emu = await startEmulator({ world: keysMatrixWorld() })
  try {
    out(`Workflow ${relative(ROOT, WORKFLOW)}, bundles from dist/, AWS CLI ${AWS_CLI}`)
    out(`AWS calls go to the loopback emulator at ${emu.url} (sts-endpoint, --endpoint-url).`)
    out()
    // No job has `needs:`, so GitHub runs every job, and every leg of a matrix, side by side.
    const started = performance.now()
    const results = await Promise.all(
      jobs.map(job => Promise.all(job.legs.map(leg => runLeg(emu, leg))))
    )
    jobs.forEach((job, i) => {
      const legs = results[i] ?? []
      if (job.skipped) out(`▷ Job ${job.id} skipped (its if: is false)\n`)
      for (const { log } of legs) log.forEach(line => out(line))
      if (job.hasMatrix && legs.length > 0) matrixSummary(job, legs).forEach(line => out(line))
    })
    const all = results.flat()
    const unexpected = all.filter(r => r.ok === expectedToFail(r.leg))
    const summary = `${all.length} legs of ${jobs.length} jobs in ${seconds(performance.now() - started)}`
    const failedAsMeant = all.filter(r => !r.ok && expectedToFail(r.leg)).map(r => r.leg.name)
    out(
      unexpected.length === 0
        ? `Run as expected: ${summary}; ${failedAsMeant.length ? `failed as meant: ${failedAsMeant.join(', ')}` : 'all succeeded'}`
        : `Run failed: ${unexpected.map(r => `${r.leg.name} ${r.ok ? 'succeeded' : 'failed'}`).join(', ')} (${summary})`
    )
    return unexpected.length === 0 ? 0 : 1
  } finally {
    await emu.close()
  }
}

main().then(
  code => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
