/**
 * `npm run demo`: the two jobs of .github/workflows/example.yml as a run of them reads in the
 * Actions UI, against the loopback emulator (STS, S3 and GitHub's ID-token endpoint). Each job runs
 * the committed bundle as the runner runs it (inputs from the workflow's `with:` plus action.yml's
 * defaults, and sts-endpoint pointing at the emulator), then the workflow's AWS CLI steps with the
 * job's environment, then the post step. Exits 1 if any step failed. Loopback only.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../test-support/emulator/index.js'
import {
  AWS_CLI,
  awsCli,
  githubContext,
  MAIN_ENTRY,
  newJobDir,
  ROOT,
  runPost,
  runStep,
  type StepResult
} from '../test-support/runner.js'

const WORKFLOW = join(ROOT, '.github', 'workflows', 'example.yml')
/** Printed in this order: access keys first, then the recommended OIDC job. */
const JOBS = ['access-keys', 'oidc']
const STEP_TIMEOUT_MS = 20_000

/** What `${{ … }}` in the sample resolves to: the seed world's keys and roles, a run's context. */
const SECRETS: Record<string, string> = {
  AWS_ACCESS_KEY_ID: SEED.user.accessKeyId,
  AWS_SECRET_ACCESS_KEY: SEED.user.secretAccessKey,
  AWS_ASSUME_ROLE_ARN: SEED.roles.deploy
}
/** The run the runner's context describes (runStep sets GITHUB_RUN_ID; the attempt is ours). */
const RUN_ID = githubContext(ROOT).GITHUB_RUN_ID ?? '1'
const RUN_ATTEMPT = '1'
const CONTEXT: Record<string, string> = {
  ...Object.fromEntries(Object.entries(SECRETS).map(([name, value]) => [`secrets.${name}`, value])),
  'vars.AWS_ROLE_ARN': SEED.roles.githubDeploy,
  'github.run_id': RUN_ID,
  'github.run_attempt': RUN_ATTEMPT
}

interface WorkflowStep {
  name: string
  uses?: string
  run?: string
  with: Array<[string, string]>
}

interface WorkflowJob {
  id: string
  name: string
  /** `permissions: id-token: write`: the runner hands the job an ID-token request URL and token. */
  idToken: boolean
  steps: WorkflowStep[]
}

/**
 * One job of the sample, read from the file so the demo shows what the sample says. Reads the
 * subset of YAML the sample uses (block mappings, `- ` step items, one-line scalars) and fails
 * loudly on anything else rather than guess.
 */
function readJob(file: string, id: string): WorkflowJob {
  const lines = readFileSync(file, 'utf8').split('\n')
  const start = lines.indexOf(`  ${id}:`)
  if (start < 0) throw new Error(`${relative(ROOT, file)} has no job ${id}`)
  const end = lines.findIndex((line, i) => i > start && /^ {0,2}[^\s#]/.test(line))
  const body = lines.slice(start + 1, end < 0 ? undefined : end)
  const job: WorkflowJob = { id, name: id, idToken: false, steps: [] }
  let inWith = false
  for (const line of body) {
    if (/^\s*(#.*)?$/.test(line)) continue
    const jobKey = /^ {4}name:\s*(.*)$/.exec(line)
    if (jobKey) job.name = scalar(jobKey[1] ?? '')
    if (/^ {6}id-token:\s*write\b/.test(line)) job.idToken = true
    const stepKey = /^ {6}- ([\w-]+):\s*(.*)$/.exec(line) ?? /^ {8}([\w-]+):\s*(.*)$/.exec(line)
    if (stepKey) {
      if (line.startsWith('      - ')) job.steps.push({ name: '', with: [] })
      const step = job.steps.at(-1)
      const [, key = '', value = ''] = stepKey
      inWith = key === 'with'
      if (!step) throw new Error(`${id}: a step key outside steps: ${line.trim()}`)
      if (key === 'name') step.name = scalar(value)
      if (key === 'uses') step.uses = scalar(value)
      if (key === 'run') {
        if (/^[|>]/.test(value.trim())) throw new Error(`${id}: the demo runs one-line run: only`)
        step.run = scalar(value)
      }
      continue
    }
    const input = /^ {10}([\w-]+):\s*(.*)$/.exec(line)
    const step = job.steps.at(-1)
    if (input && inWith && step) step.with.push([input[1] ?? '', scalar(input[2] ?? '')])
  }
  if (job.steps.length === 0) throw new Error(`${id}: no steps found`)
  return job
}

/** A one-line scalar: trailing comment and quotes removed. */
function scalar(text: string): string {
  const value = text.replace(/\s+#.*$/, '').trim()
  return /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value
}

/** `${{ name }}` replaced from CONTEXT; anything else in an expression is an error. */
function evaluate(text: string): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
    const value = CONTEXT[name]
    if (value === undefined)
      throw new Error(`the sample uses \${{ ${name} }}; the demo has no value`)
    return value
  })
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

/**
 * The SDK's Node-version notice goes to stderr when the bundle runs on Node 20 here; GitHub runs
 * the action on node24, where users never see it, so the demo leaves it out.
 */
function stderrLines(stderr: string): string[] {
  return stderr
    .replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?--trace-warnings[^\n]*\n?/, '')
    .split('\n')
    .filter(line => line.trim() !== '')
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

/** Runs one job in a folder of its own (HOME, workspace), removed after; ok when every step passed. */
async function runJob(emu: Emulator, job: WorkflowJob): Promise<{ ok: boolean; log: string[] }> {
  const jobDir = newJobDir()
  try {
    return await runSteps(emu, job, jobDir)
  } finally {
    rmSync(jobDir, { recursive: true, force: true })
  }
}

/** The job's steps in order (skipped after a failure, as the runner does), then its post steps. */
async function runSteps(
  emu: Emulator,
  job: WorkflowJob,
  jobDir: string
): Promise<{ ok: boolean; log: string[] }> {
  const masks = new Masks()
  const log = new JobLog(masks)
  log.line(`━━ Job: ${job.name} (${job.id}) ━━`)
  masks.add(...Object.values(SECRETS))
  let jobEnv: Record<string, string> = { GITHUB_RUN_ATTEMPT: RUN_ATTEMPT }
  if (job.idToken) {
    jobEnv.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl
    jobEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken
    masks.add(emu.oidcRequestToken)
  }
  let ok = true
  const posts: Array<{ name: string; main: StepResult }> = []

  for (const step of job.steps) {
    if (step.uses?.startsWith('actions/checkout')) continue // the demo runs from this checkout
    const name = step.name || step.run || step.uses || 'step'
    if (!ok) {
      log.header('skipped', name)
      continue
    }
    if (step.uses === './') {
      const given = Object.fromEntries(step.with.map(([key, value]) => [key, evaluate(value)]))
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
        'Run ./',
        '  with:',
        ...Object.entries(given).map(([key, value]) => `    ${key}: ${value}`)
      ])
      log.body([...result.log, ...stderrLines(result.stderr)])
      jobEnv = { ...jobEnv, ...result.env }
      posts.unshift({ name, main: result })
      ok = result.code === 0
    } else if (step.run?.startsWith('aws ')) {
      const started = performance.now()
      const args = step.run.split(/\s+/).slice(1)
      const cli = await awsCli(args, jobEnv, emu.url, { jobDir, timeoutMs: STEP_TIMEOUT_MS })
      log.header(cli.code === 0, name, performance.now() - started)
      log.body([`Run ${step.run}`, ...cli.stdout.split('\n').filter(Boolean)])
      log.body(stderrLines(cli.stderr))
      if (cli.code !== 0) log.body([`Error: Process completed with exit code ${cli.code}.`])
      ok = cli.code === 0
    } else {
      throw new Error(`${job.id}: the demo cannot run step ${JSON.stringify(name)}`)
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
  return { ok, log: log.lines }
}

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`)
}

async function main(): Promise<number> {
  const jobs = JOBS.map(id => readJob(WORKFLOW, id))
  const emu = await startEmulator()
  try {
    out(`Workflow ${relative(ROOT, WORKFLOW)}, bundles from dist/, AWS CLI ${AWS_CLI}`)
    out(`AWS calls go to the loopback emulator at ${emu.url} (sts-endpoint, --endpoint-url).`)
    out()
    // The jobs have no `needs:`, so GitHub runs them side by side; so does the demo.
    const started = performance.now()
    const results = await Promise.all(jobs.map(job => runJob(emu, job)))
    for (const { log } of results) log.forEach(line => out(line))
    const failed = results.filter(result => !result.ok).length
    out(
      failed === 0
        ? `Run succeeded: ${results.length} jobs in ${seconds(performance.now() - started)}`
        : `Run failed: ${failed} of ${results.length} jobs`
    )
    return failed === 0 ? 0 : 1
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
