/**
 * Runs the committed dist/ bundles the way the GitHub runner does: a fresh `node` process per step,
 * inputs as INPUT_* variables, GITHUB_ENV/OUTPUT/STATE/STEP_SUMMARY files, STATE_* variables for the
 * post step; then parses those files and renders the log as the Actions UI shows it (masks applied
 * to every line after their ::add-mask::). Also runs the real AWS CLI with only what was exported.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { setPriority, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stepInputs } from './action-inputs.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const MAIN_ENTRY = join(ROOT, 'dist', 'index.js')
export const POST_ENTRY = join(ROOT, 'dist', 'post', 'index.js')

/**
 * The node that runs the bundles: GitHub runs them on node24, so CI points ACTION_NODE at a Node 24
 * binary while jest itself runs on the machine's node.
 */
export const ACTION_NODE = process.env.ACTION_NODE || process.execPath

export interface StepResult {
  code: number | null
  stdout: string
  stderr: string
  /** Raw stdout lines, commands included. */
  lines: string[]
  /** Values registered with ::add-mask::, in order. */
  masks: string[]
  /** The log as the Actions UI shows it: commands rendered, masks applied. */
  log: string[]
  env: Record<string, string>
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  durationMs: number
}

export interface StepOptions {
  /** The step's `with:`; action.yml's defaults are added as the runner adds them. */
  inputs?: Record<string, string>
  /** Extra environment (GITHUB_* context, ACTIONS_ID_TOKEN_REQUEST_*, AWS_* from earlier steps). */
  env?: Record<string, string>
  /** A job folder to share files between steps; a fresh one (deleted after the step) by default. */
  jobDir?: string
  timeoutMs?: number
  node?: string
  /**
   * The step process's niceness (os.setPriority). Fan-out runs lower it for hundreds of steps so
   * the in-process emulator, standing in for STS on machines of its own, is not starved of CPU.
   */
  priority?: number
}

/** A temporary job folder with HOME, RUNNER_TEMP and a workspace. */
export function newJobDir(): string {
  return mkdtempSync(join(tmpdir(), 'job-'))
}

/** The context variables every GitHub job has. */
export function githubContext(jobDir: string): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_ACTION: '__self',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_RUN_ID: '4242',
    GITHUB_WORKSPACE: join(jobDir, 'workspace'),
    RUNNER_TEMP: join(jobDir, 'runner-temp'),
    RUNNER_ENVIRONMENT: 'github-hosted',
    HOME: join(jobDir, 'home')
  }
}

/** Runs one step (main or post) of the bundled action in a child process. */
export async function runStep(entry: string, options: StepOptions = {}): Promise<StepResult> {
  const jobDir = options.jobDir ?? newJobDir()
  try {
    return await runStepIn(jobDir, entry, options)
  } finally {
    if (!options.jobDir) rmSync(jobDir, { recursive: true, force: true })
  }
}

/** The command files of one step, and the environment the runner gives its process. */
export function stepEnvironment(
  jobDir: string,
  inputs: Record<string, string> = {},
  extraEnv: Record<string, string> = {}
): { env: Record<string, string>; files: Record<string, string> } {
  const stepDir = mkdtempSync(join(jobDir, 'step-'))
  const files = {
    GITHUB_ENV: join(stepDir, 'env'),
    GITHUB_OUTPUT: join(stepDir, 'output'),
    GITHUB_STATE: join(stepDir, 'state'),
    GITHUB_STEP_SUMMARY: join(stepDir, 'summary')
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...githubContext(jobDir),
    ...files,
    ...extraEnv
  }
  // action.yml's defaults, then the step's `with:`, as the runner builds INPUT_* variables.
  for (const [name, value] of Object.entries(stepInputs(inputs))) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return { env, files }
}

async function runStepIn(jobDir: string, entry: string, options: StepOptions): Promise<StepResult> {
  const { env, files } = stepEnvironment(jobDir, options.inputs, options.env)
  const started = performance.now()
  const { code, stdout, stderr } = await spawnCollect(
    options.node ?? ACTION_NODE,
    [entry],
    env,
    options.timeoutMs ?? 60_000,
    options.priority
  )
  const durationMs = performance.now() - started
  const lines = stdout.split('\n').filter(line => line !== '')
  const { masks, log } = renderLog(lines, env.RUNNER_DEBUG === '1')
  return {
    code,
    stdout,
    stderr,
    lines,
    masks,
    log,
    env: parseCommandFile(readFileSync(files.GITHUB_ENV, 'utf8')),
    outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    durationMs
  }
}

/** The post step as the runner starts it: the main step's state comes back as STATE_<name>. */
export async function runPost(main: StepResult, options: StepOptions = {}): Promise<StepResult> {
  const stateEnv = Object.fromEntries(
    Object.entries(main.state).map(([name, value]) => [`STATE_${name}`, value])
  )
  return runStep(POST_ENTRY, { ...options, env: { ...main.env, ...options.env, ...stateEnv } })
}

/** Parses `name<<delimiter / value / delimiter` blocks as the runner does. */
export function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name = '', delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    result[name] = value.join('\n')
  }
  return result
}

/** Undoes the runner's command escaping of message data. */
function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/**
 * The log as the Actions UI shows it. Masks apply from the line after their ::add-mask:: on, as
 * the runner applies them; debug lines show only with RUNNER_DEBUG=1.
 */
export function renderLog(lines: string[], debug: boolean): { masks: string[]; log: string[] } {
  const masks: string[] = []
  const log: string[] = []
  const mask = (text: string): string =>
    [...masks]
      .sort((a, b) => b.length - a.length)
      .reduce((out, secret) => out.split(secret).join('***'), text)
  for (const line of lines) {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!command) {
      log.push(mask(line))
      continue
    }
    const [, name, properties = '', data = ''] = command
    const message = unescapeData(data)
    if (name === 'add-mask') masks.push(message)
    else if (name === 'error') log.push(mask(`Error: ${message}`))
    else if (name === 'warning') log.push(mask(`Warning: ${message}`))
    else if (name === 'notice') log.push(mask(`Notice: ${message}`))
    else if (name === 'debug' && debug) log.push(mask(`##[debug]${message}`))
    else if (name !== 'debug')
      log.push(mask(`##[${name}]${properties ? ` ${properties}` : ''}${message}`))
  }
  return { masks, log }
}

/** The title of the first ::error annotation, unescaped, or undefined. */
export function errorTitle(result: StepResult): string | undefined {
  const line = result.lines.find(l => l.startsWith('::error'))
  const title = line && /^::error title=([^:]*)::/.exec(line)?.[1]
  return title ? title.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%') : undefined
}

/** The message of the first ::error annotation, unescaped, or undefined. */
export function errorMessage(result: StepResult): string | undefined {
  const line = result.lines.find(l => l.startsWith('::error'))
  return line ? unescapeData(line.replace(/^::error[^:]*::/, '')) : undefined
}

/** Debian's AWS CLI v2 by full path (an older v1 may come first on PATH); AWS_CLI overrides. */
export const AWS_CLI = process.env.AWS_CLI ?? '/usr/bin/aws'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the AWS CLI as a later workflow step would: with the job's environment after the action
 * (its exports applied), no credentials of our own, and the emulator as endpoint.
 */
export async function awsCli(
  args: string[],
  exported: Record<string, string>,
  endpoint: string,
  options: { jobDir?: string; timeoutMs?: number } = {}
): Promise<CliResult> {
  const jobDir = options.jobDir ?? newJobDir()
  const home = join(jobDir, 'home')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...exported
  }
  try {
    return await spawnCollect(
      AWS_CLI,
      [...args, '--endpoint-url', endpoint],
      env,
      options.timeoutMs ?? 60_000
    )
  } finally {
    if (!options.jobDir) rmSync(jobDir, { recursive: true, force: true })
  }
}

/** Spawns asynchronously (an in-process emulator must keep answering) and collects the output. */
export function spawnCollect(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  priority?: number
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    if (priority !== undefined && child.pid !== undefined) setPriority(child.pid, priority)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', error => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', code => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}
