/**
 * Runs the committed dist/ bundles the way GitHub's runner does (actions/runner: ActionRunner.cs,
 * NodeScriptActionHandler.cs, FileCommandManager.cs, ActionCommandManager.cs): a fresh `node`
 * process per step in GITHUB_WORKSPACE, inputs as INPUT_* variables, GITHUB_ENV/OUTPUT/STATE/
 * STEP_SUMMARY files read afterwards with the runner's rules, STATE_* variables and the same inputs
 * for the post step when its `post-if` holds; then renders the log as the Actions UI shows it. Also
 * runs the real AWS CLI with only what was exported. Rules and their tests: test-support/README.md.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions'
import { truthy } from '@actions/expressions/result'
import { execFileSync, spawn } from 'node:child_process'
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { setPriority, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { actionInputs } from './action-inputs.js'
import { REPOSITORY_OWNER, RUN_ENV, RUN_ID } from './github-context.js'
import { readEnvFile, readFileCommand, uploadedSummary } from './file-commands.js'
import { renderLog, SecretMasker } from './runner-log.js'

export { renderLog, SecretMasker } from './runner-log.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const MAIN_ENTRY = join(ROOT, 'dist', 'index.js')
export const POST_ENTRY = join(ROOT, 'dist', 'post', 'index.js')

/**
 * The node that runs the bundles: ACTION_NODE, else the node running jest. script/test (the README's
 * test command) installs Node 24 when the machine has none and runs everything on it.
 */
export const ACTION_NODE = process.env.ACTION_NODE || process.execPath

/**
 * GitHub runs the bundles on node24 (action.yml `runs.using`), and http-proxy relies on Node
 * 24.5's built-in proxy support (src/network/http-agents.ts): on any other Node a test would exercise a
 * path no user runs, so every step refuses to start and names the command that installs Node 24.
 */
export function requireActionNode(node: string = ACTION_NODE): void {
  if (checkedNodes.has(node)) return
  let version = 'not runnable'
  try {
    version = `v${execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()}`
  } catch {
    // Reported below with the install command.
  }
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  if (major !== 24 || minor < 5) {
    throw new Error(
      `The bundles run on Node 24.5 or a later 24.x (GitHub's node24), but ${node} is ${version}. ` +
        'Run script/test (npm run test:all), which installs Node 24 under .tmp/node24 and runs ' +
        'the suite on it, or set ACTION_NODE to a Node 24 binary (script/test --install-only ' +
        'puts one at .tmp/node24/node_modules/node/bin/node).'
    )
  }
  checkedNodes.add(node)
}
const checkedNodes = new Set<string>()

export interface StepResult {
  code: number | null
  /** As the runner concludes the step: the exit code, a malformed command file, a bad stop token. */
  conclusion: 'success' | 'failure' | 'skipped'
  stdout: string
  stderr: string
  /** Raw stdout lines, commands included. */
  lines: string[]
  /** Values registered with ::add-mask::, in order. */
  masks: string[]
  /** The log as the Actions UI shows it: commands rendered, masks applied. */
  log: string[]
  /** Warnings and errors the runner adds itself (unexpected inputs, empty add-mask, NODE_OPTIONS). */
  runnerIssues: string[]
  /** What later steps get from GITHUB_ENV (an empty value is a variable set to ''). */
  env: Record<string, string>
  outputs: Record<string, string>
  state: Record<string, string>
  /** The step summary as uploaded (masked per line), '' when refused or empty. */
  summary: string
  durationMs: number
  /** The step's `with:` as given: the post step receives them again. */
  inputs: Record<string, string>
  /** The job's masker: masks stay in force for later steps of the job. */
  masker: SecretMasker
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
   * The runner only warns about inputs action.yml does not declare; the harness throws instead,
   * so a typo in a test cannot pass silently, unless the test means to send one.
   */
  allowUnexpectedInputs?: boolean
  /** The job's masker so far (masks registered by earlier steps). */
  masker?: SecretMasker
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
    ...RUN_ENV,
    GITHUB_REPOSITORY_OWNER: REPOSITORY_OWNER,
    GITHUB_RUN_ID: RUN_ID,
    GITHUB_WORKSPACE: join(jobDir, 'workspace'),
    RUNNER_TEMP: join(jobDir, 'runner-temp'),
    RUNNER_ENVIRONMENT: 'github-hosted',
    HOME: join(jobDir, 'home'),
    // On Windows the AWS CLI, the Go SDK and the action find the files from USERPROFILE.
    ...(process.platform === 'win32' ? { USERPROFILE: join(jobDir, 'home') } : {})
  }
}

/** Windows processes need these to start and open sockets (Winsock reads SystemRoot). */
function platformEnv(): Record<string, string> {
  if (process.platform !== 'win32') return {}
  const names = ['SystemRoot', 'windir', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP']
  return Object.fromEntries(
    names.flatMap(name => (process.env[name] ? [[name, process.env[name] ?? '']] : []))
  )
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

/**
 * ActionRunner.cs: the step's `with:` names are matched case-insensitively against action.yml's
 * inputs (HashSet with OrdinalIgnoreCase); declared inputs the step does not give get their
 * default; names action.yml does not declare draw one warning. NodeScriptActionHandler.cs then
 * passes each as INPUT_<NAME with spaces as _, upper-cased>.
 */
export function runnerInputs(given: Record<string, string>): {
  inputs: Record<string, string>
  warning?: string
} {
  const declared = actionInputs()
  const names = new Map(Object.keys(declared).map(name => [name.toLowerCase(), name]))
  const inputs: Record<string, string> = { ...given }
  const givenLower = new Set(Object.keys(given).map(name => name.toLowerCase()))
  for (const [name, input] of Object.entries(declared)) {
    if (!givenLower.has(name.toLowerCase()) && input.default !== undefined) {
      inputs[name] = String(input.default)
    }
  }
  const unexpected = Object.keys(given).filter(name => !names.has(name.toLowerCase()))
  const warning = unexpected.length
    ? `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`
    : undefined
  return { inputs, warning }
}

/** The command files of one step, and the environment the runner gives its process. */
export function stepEnvironment(
  jobDir: string,
  inputs: Record<string, string> = {},
  extraEnv: Record<string, string> = {}
): { env: Record<string, string>; files: Record<string, string>; warning?: string } {
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
    ...platformEnv(),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...githubContext(jobDir),
    ...files,
    ...extraEnv
  }
  const { inputs: all, warning } = runnerInputs(inputs)
  for (const [name, value] of Object.entries(all)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return { env, files, warning }
}

async function runStepIn(jobDir: string, entry: string, options: StepOptions): Promise<StepResult> {
  const given = options.inputs ?? {}
  const { env, files, warning } = stepEnvironment(jobDir, given, options.env)
  if (warning && !options.allowUnexpectedInputs) throw new Error(warning)
  // NodeScriptActionHandler.cs: the working directory is the workspace (github.workspace).
  const cwd = env.GITHUB_WORKSPACE ?? jobDir
  mkdirSync(cwd, { recursive: true })
  requireActionNode(options.node ?? ACTION_NODE)
  const started = performance.now()
  const { code, stdout, stderr } = await spawnCollect(
    options.node ?? ACTION_NODE,
    [entry],
    env,
    options.timeoutMs ?? 60_000,
    cwd,
    options.priority
  )
  const durationMs = performance.now() - started
  const lines = stdout.split('\n').filter(line => line !== '')
  const masker = options.masker ?? new SecretMasker()
  const rendered = renderLog(lines, env.RUNNER_DEBUG === '1', masker)
  const log = warning ? [`Warning: ${warning}`, ...rendered.log] : rendered.log
  const runnerIssues = [...(warning ? [warning] : []), ...rendered.warnings, ...rendered.failures]
  let failed = code !== 0 || rendered.failures.length > 0

  // FileCommandManager.ProcessFiles, after the process ends, in the runner's order.
  const envFile = readEnvFile(readFileSync(files.GITHUB_ENV, 'utf8'))
  const output = readFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8'))
  const state = readFileCommand(readFileSync(files.GITHUB_STATE, 'utf8'))
  const summary = uploadedSummary(readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'), masker)
  for (const [context, result] of [
    ['env', envFile],
    ['output', output],
    ['state', state]
  ] as const) {
    if (result.error) {
      failed = true
      log.push(`Error: Unable to process file command '${context}' successfully.`)
      log.push(masker.mask(`Error: ${result.error}`))
      runnerIssues.push(`${context}: ${result.error}`)
    }
  }
  for (const issue of envFile.issues) {
    log.push(`Error: ${issue}`)
    runnerIssues.push(issue)
  }
  if (summary.error) {
    log.push(`Error: ${summary.error}`)
    runnerIssues.push(summary.error)
  }
  return {
    code,
    conclusion: failed ? 'failure' : 'success',
    stdout,
    stderr,
    lines,
    masks: rendered.masks,
    log,
    runnerIssues,
    env: envFile.env,
    outputs: output.values,
    state: state.values,
    summary: summary.summary,
    durationMs,
    inputs: given,
    masker
  }
}

interface ActionRuns {
  runs: { 'post-if'?: string }
}

/** action.yml's `runs.post-if`; the runner's default is always() (ActionManifestManager.cs). */
function postCondition(): string {
  const runs = (parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionRuns).runs
  return runs['post-if'] ?? 'always()'
}

/**
 * Evaluates a post-if the way the runner does, with GitHub's own expression library: the status
 * functions from the job so far (the main step's conclusion) and the `env` context.
 */
export function evaluatePostIf(
  condition: string,
  mainConclusion: StepResult['conclusion'],
  env: Record<string, string>
): boolean {
  const failed = mainConclusion === 'failure'
  const status = (value: boolean) => ({
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value)
  })
  const functions = new Map([
    ['always', { name: 'always', ...status(true) }],
    ['success', { name: 'success', ...status(!failed) }],
    ['failure', { name: 'failure', ...status(failed) }],
    ['cancelled', { name: 'cancelled', ...status(false) }]
  ])
  const lexed = new Lexer(condition).lex()
  const expr = new Parser(lexed.tokens, ['env'], [...functions.values()]).parse()
  const context = new data.Dictionary({
    key: 'env',
    value: new data.Dictionary(
      ...Object.entries(env).map(([key, value]) => ({ key, value: new data.StringData(value) }))
    )
  })
  const result = new Evaluator(expr, context, functions).evaluate()
  return truthy(result)
}

/**
 * The post step as the runner starts it, when action.yml's post-if holds (evaluated against the
 * job's env after the main step): the main step's inputs again, its state as STATE_<name>, the
 * job's masks.
 */
export async function runPost(
  main: StepResult,
  options: StepOptions = {},
  entry: string = POST_ENTRY
): Promise<StepResult> {
  const env = { ...main.env, ...options.env }
  if (!evaluatePostIf(postCondition(), main.conclusion, env)) {
    return {
      ...main,
      code: null,
      conclusion: 'skipped',
      stdout: '',
      stderr: '',
      lines: [],
      masks: [],
      log: [],
      runnerIssues: [],
      env: {},
      outputs: {},
      state: {},
      summary: '',
      durationMs: 0
    }
  }
  const stateEnv = Object.fromEntries(
    Object.entries(main.state).map(([name, value]) => [`STATE_${name}`, value])
  )
  return runStep(entry, {
    inputs: main.inputs,
    masker: main.masker,
    allowUnexpectedInputs: true,
    ...options,
    env: { ...env, ...stateEnv }
  })
}

/**
 * The environment later steps of the job get: the job's own, then each step's GITHUB_ENV in order
 * (SetEnvFileCommand sets Global.EnvironmentVariables). GITHUB_ENV cannot unset: `NAME=` leaves a
 * variable set to the empty string, and so does this.
 */
export function jobEnvAfter(
  base: Record<string, string>,
  ...steps: Array<Pick<StepResult, 'env'>>
): Record<string, string> {
  return Object.assign({ ...base }, ...steps.map(step => step.env)) as Record<string, string>
}

/** A command file's values as the runner reads them; throws on a malformed file. */
export function parseCommandFile(text: string): Record<string, string> {
  const { values, error } = readFileCommand(text)
  if (error) throw new Error(error)
  return values
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
  return line
    ? line
        .replace(/^::error[^:]*::/, '')
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%')
    : undefined
}

/** Debian's AWS CLI v2 by full path (an older v1 may come first on PATH); AWS_CLI overrides. */
export const AWS_CLI = process.env.AWS_CLI ?? '/usr/bin/aws'

/** Without the CLI, say what to install instead of failing with `spawn ENOENT`. */
export function requireAwsCli(): void {
  try {
    accessSync(AWS_CLI, constants.X_OK)
  } catch {
    throw new Error(
      `The AWS CLI v2 (${AWS_CLI}) is missing: sudo apt-get install awscli (Debian's is v2), or ` +
        'run script/test, which installs everything the suite needs. AWS_CLI names another binary.'
    )
  }
}

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
  requireAwsCli()
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
  cwd?: string,
  priority?: number
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
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
