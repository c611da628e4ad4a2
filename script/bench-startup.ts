/**
 * Start-up benchmark of the committed bundles (`npm run bench:startup`; not a test): phases, CPU profiles and RSS on plain HTTP; `npm run bench` is the HTTPS round-trip benchmark.
 *
 * Everything runs through test-support/runner.ts exactly as the GitHub runner runs a step (a fresh
 * `node dist/index.js` per step, INPUT_* variables, the GITHUB_* command files) against the
 * in-process loopback emulator, so children are spawned asynchronously.
 *
 *   npm run bench:startup -- [--runs N] [--warmup N] [--node PATH] [--probe-runs N] [--no-profile] [--strict]
 *
 * Measures, for the node binary given by --node (default: the one running this script):
 *   - wall time, spawn to exit, of the main step (keys→role, OIDC→role; 0 ms and 40 ms of server
 *     latency), of a main step that fails input validation (load cost without network), of the post
 *     step (with the state of a main run) and of `node empty.mjs`; median/p90 after warm-up, runs
 *     interleaved round-robin so drift hits every path alike;
 *   - STS requests per run, counted by the emulator;
 *   - peak RSS, in the step's own process: a preload (`NODE_OPTIONS=--import=probe.mjs`) writes
 *     process.resourceUsage().maxRSS on 'exit' (separate runs, so the timed runs carry no preload);
 *     cross-checked with GNU time's %M when /usr/bin/time exists;
 *   - phases inside the process (same preload: node bootstrap, first HTTP request via
 *     diagnostics_channel, exit) and one --cpu-prof profile per path, summarised by self time;
 *   - bytes of every file under dist/.
 * Prints tables with budgets and writes bench-results/bench.json (+ bench-node<major>.json).
 */
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { SEED, startEmulator, type Emulator } from '../test-support/emulator/index.js'
import {
  MAIN_ENTRY,
  POST_ENTRY,
  ROOT,
  runStep,
  spawnCollect,
  stepEnvironment,
  type StepOptions,
  type StepResult
} from '../test-support/runner.js'

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  runs: number
  warmup: number
  probeRuns: number
  node: string
  profile: boolean
  strict: boolean
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    runs: 20,
    warmup: 3,
    probeRuns: 5,
    node: process.execPath,
    profile: true,
    strict: false
  }
  const count = (flag: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`${flag} takes a whole number from ${min} to ${max}; got ${value}`)
    }
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined]
    const value = (): string | undefined => inline ?? argv[++i]
    switch (flag) {
      case '--runs':
        opts.runs = count(flag, value(), 1, 200)
        break
      case '--warmup':
        opts.warmup = count(flag, value(), 0, 20)
        break
      case '--probe-runs':
        opts.probeRuns = count(flag, value(), 1, 50)
        break
      case '--node': {
        const path = value()
        if (!path || !existsSync(path)) throw new Error(`--node: no such file: ${path}`)
        opts.node = path
        break
      }
      case '--no-profile':
        opts.profile = false
        break
      case '--strict':
        opts.strict = true
        break
      case '--help':
        console.log(
          'npm run bench -- [--runs N] [--warmup N] [--node PATH] [--probe-runs N] [--no-profile] [--strict]'
        )
        process.exit(0)
        break
      default:
        throw new Error(`unknown argument ${arg}`)
    }
  }
  return opts
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)
/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = sorted(xs)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}
const median = (xs: number[]): number => {
  const s = sorted(xs)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–')
const x2 = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–')
const mib = (kib: number): string => (kib / 1024).toFixed(1)
const mark = (ok: boolean): string => (ok ? '✓' : '✗')

function table(headers: string[], rows: string[][], rightAlign = new Set<number>()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(headers), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const sha256 = (file: string): string =>
  createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)

// ---------------------------------------------------------------------------------------------
// The probe preloaded into measured processes (never into the timed runs)

const PROBE_SOURCE = `
import { writeFileSync } from 'node:fs'
import dc from 'node:diagnostics_channel'
const now = () => performance.now()
const marks = { hook: now(), hookUs: Number(process.hrtime.bigint() / 1000n), http: [] }
const on = (channel, what) => {
  const c = dc.channel(channel)
  c.subscribe(() => {
    const t = now()
    marks.http.push([what, Math.round(t * 100) / 100])
    if (what === 'request' && marks.firstRequest === undefined) {
      marks.firstRequest = t
      marks.firstRequestUs = Number(process.hrtime.bigint() / 1000n)
    }
    if (what === 'response' && marks.firstResponse === undefined) marks.firstResponse = t
  })
  return c
}
// Held in a global so the channels cannot be collected.
globalThis.__benchProbeChannels = [
  on('http.client.request.start', 'request'),
  on('undici:request:create', 'request'),
  on('http.client.response.finish', 'response'),
  on('undici:request:headers', 'response')
]
process.on('exit', code => {
  writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify({
    ...marks,
    exit: now(),
    exitUs: Number(process.hrtime.bigint() / 1000n),
    code,
    timeOrigin: performance.timeOrigin,
    bootstrapComplete: performance.nodeTiming.bootstrapComplete,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
    memory: process.memoryUsage(),
    builtins: process.moduleLoadList.filter(m => m.startsWith('NativeModule ')).map(m => m.slice(13))
  }))
})
`

interface ProbeReport {
  hook: number
  hookUs: number
  firstRequest?: number
  firstRequestUs?: number
  firstResponse?: number
  /** ['request' | 'response', ms since timeOrigin] for every HTTP request (http and fetch). */
  http: [string, number][]
  exit: number
  exitUs: number
  code: number
  timeOrigin: number
  bootstrapComplete: number
  maxRssKiB: number
  /** User + system CPU time of the process until 'exit' (robust to a busy machine). */
  cpuMs: number
  memory: NodeJS.MemoryUsage
  /** Node's own JS modules loaded (process.moduleLoadList). */
  builtins: string[]
}

// ---------------------------------------------------------------------------------------------
// Scenarios

type Kind = 'bare' | 'main' | 'invalid' | 'post'

interface Scenario {
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

interface RunSample {
  durationMs: number
  sts: number
  idToken: number
  ok: boolean
  problem?: string
}

const stsRequests = (s: ReturnType<Emulator['stats']>): number =>
  s.AssumeRole + s.AssumeRoleWithWebIdentity + s.GetCallerIdentity + s.other

/** The most telling line of a failed child's stderr (the error, not node's version footer). */
function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
  return (lines.find(l => /Error|error:/.test(l)) ?? lines.at(-1) ?? '(no stderr)').slice(0, 200)
}

function checkResult(kind: Kind, r: StepResult): string | undefined {
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
 * One step started with a command line runStep cannot express (node flags that NODE_OPTIONS
 * refuses, such as --cpu-prof, or GNU time in front of node), in the environment runStep builds:
 * PATH, AWS_EC2_METADATA_DISABLED, the GitHub context of a fresh job folder, the four command
 * files, the extra env, then INPUT_* variables with action.yml's defaults. Spawned directly: a
 * /bin/sh wrapper would drop the INPUT_* variables whose names contain '-'.
 */
async function rawStep(
  parent: string,
  command: string,
  args: string[],
  s: Scenario,
  extraEnv: Record<string, string> = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const jobDir = mkdtempSync(join(parent, 'job-'))
  const { env } = stepEnvironment(jobDir, s.inputs, { ...s.env, ...extraEnv })
  try {
    return await spawnCollect(command, args, env, 30_000)
  } finally {
    rmSync(jobDir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// CPU profile summary

interface CpuProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

interface ProfileSummary {
  path: string
  /** HTTP requests/responses seen by the probe, ms since timeOrigin. */
  http?: [string, number][]
  totalMs: number
  startupMs?: number
  categories: { category: string; ms: number; startupMs: number }[]
  topFunctions: { fn: string; where: string; ms: number; snippet: string }[]
  topModules: { module: string; ms: number; bytes: number; hint: string }[]
}

/** Offsets of ncc's module factories (`1695:(t,n,s)=>{`) in a minified bundle, for attribution. */
function moduleTable(source: string): { id: string; start: number; end: number }[] {
  const runtime = source.indexOf('function __nccwpck_require__(')
  const limit = runtime < 0 ? source.length : runtime
  const starts: { id: string; start: number }[] = []
  const re = /[{,](\d{1,6}):(?:\([\w$,]*\)=>\{|function\()/g
  for (let m = re.exec(source); m && m.index < limit; m = re.exec(source)) {
    starts.push({ id: m[1], start: m.index })
  }
  const table = starts.map((s, i) => ({ ...s, end: starts[i + 1]?.start ?? limit }))
  // After the module object: ncc's runtime, then the entry (src/ and the ESM packages it
  // imports, concatenated by webpack).
  if (runtime >= 0) table.push({ id: 'runtime+entry', start: runtime, end: source.length })
  return table
}

/** A readable hint of what an ncc module is: its exported names or first identifiers. */
function moduleHint(text: string): string {
  const pkg =
    /["'](@(?:aws-sdk|smithy|actions|aws-crypto)\/[\w-]+|jose|undici|tslib|uuid)["'/]/.exec(text)
  const exportsList = /\.d\([\w$]+,\{([\w$]+):/.exec(text)
  const destructure = /const\{([\w$]+):/.exec(text)
  return [pkg?.[1], exportsList?.[1] ?? destructure?.[1], text.slice(0, 40).replace(/\s+/g, ' ')]
    .filter(Boolean)
    .join(' | ')
}

function offsetOf(source: string, line: number, column: number): number {
  let offset = 0
  for (let l = 0; l < line; l++) {
    const nl = source.indexOf('\n', offset)
    if (nl < 0) break
    offset = nl + 1
  }
  return offset + column
}

/** Categories under 1 ms folded into one row. */
function collapse(
  rows: { category: string; ms: number; startupMs: number }[]
): { category: string; ms: number; startupMs: number }[] {
  const big = rows.filter(r => r.ms >= 1).sort((a, b) => b.ms - a.ms)
  const small = rows.filter(r => r.ms < 1)
  if (small.length) {
    big.push({
      category: `${small.length} more, under 1 ms each`,
      ms: small.reduce((a, r) => a + r.ms, 0),
      startupMs: small.reduce((a, r) => a + r.startupMs, 0)
    })
  }
  return big
}

function summariseProfile(
  file: string,
  startupEndUs: number | undefined,
  label: string
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const sources = new Map<string, string>()
  const sourceOf = (url: string): string | undefined => {
    if (!url.startsWith('file://')) return undefined
    if (!sources.has(url)) {
      try {
        sources.set(url, readFileSync(new URL(url), 'utf8'))
      } catch {
        sources.set(url, '')
      }
    }
    return sources.get(url)
  }
  const mainUrl = pathToFileURL(MAIN_ENTRY).href
  const mainSource = sourceOf(mainUrl) ?? ''
  const modules = moduleTable(mainSource)
  const moduleAt = (offset: number): (typeof modules)[number] | undefined => {
    let lo = 0
    let hi = modules.length - 1
    let found: (typeof modules)[number] | undefined
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (modules[mid].start <= offset) {
        found = modules[mid]
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  const category = (n: CpuProfileNode): string => {
    const { url, functionName } = n.callFrame
    if (!url) {
      if (functionName === '(garbage collector)') return 'GC'
      if (functionName === '(idle)') return 'idle (waiting: network, timers)'
      if (functionName === '(program)') return 'V8/native, unattributed'
      return 'native bindings (fs, crypto, …)'
    }
    if (functionName === 'compileSourceTextModule')
      return 'compile dist/*.js as ES modules (pre-parse of the whole file)'
    if (functionName === 'compileForInternalLoader')
      return 'compile node builtins the code requires (http, crypto, …)'
    if (url.startsWith('node:internal/modules/')) return 'node module loader (other)'
    if (url.includes('undici')) return 'node undici (fetch)'
    if (url.startsWith('node:')) return 'node internals (other)'
    if (url === mainUrl && functionName === '__nccwpck_require__')
      return 'dist/index.js __nccwpck_require__ (lazy compile of module factories)'
    if (url === mainUrl) return 'dist/index.js (running)'
    if (url.startsWith(pathToFileURL(join(ROOT, 'dist')).href))
      return `bundle ${relative(ROOT, new URL(url).pathname)}`
    return url
  }

  const self = new Map<number, { ms: number; startupMs: number }>()
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    const next = i + 1 < profile.samples.length ? (profile.timeDeltas[i + 1] ?? 0) : 0
    const entry = self.get(profile.samples[i]) ?? { ms: 0, startupMs: 0 }
    entry.ms += next / 1000
    if (startupEndUs === undefined || t < startupEndUs) entry.startupMs += next / 1000
    self.set(profile.samples[i], entry)
  }

  const categories = new Map<string, { ms: number; startupMs: number }>()
  const functions = new Map<string, { fn: string; where: string; ms: number; snippet: string }>()
  const perModule = new Map<string, number>()
  for (const [id, time] of self) {
    const node = byId.get(id)
    if (!node) continue
    const c = category(node)
    const agg = categories.get(c) ?? { ms: 0, startupMs: 0 }
    agg.ms += time.ms
    agg.startupMs += time.startupMs
    categories.set(c, agg)
    const { functionName, url, lineNumber, columnNumber } = node.callFrame
    const where = url
      ? `${url.startsWith('file://') ? relative(ROOT, new URL(url).pathname) : url}:${lineNumber + 1}:${columnNumber + 1}`
      : ''
    const key = `${functionName}@${where}`
    const src = sourceOf(url)
    let snippet = ''
    if (src) {
      const offset = offsetOf(src, lineNumber, columnNumber)
      snippet = src.slice(offset, offset + 60).replace(/\s+/g, ' ')
      if (url === mainUrl) {
        const m = functionName === '__nccwpck_require__' ? undefined : moduleAt(offset)
        const mod = m ? `module ${m.id}` : '__nccwpck_require__'
        perModule.set(mod, (perModule.get(mod) ?? 0) + time.ms)
      }
    }
    const f = functions.get(key) ?? { fn: functionName || '(anonymous)', where, ms: 0, snippet }
    f.ms += time.ms
    functions.set(key, f)
  }
  return {
    path: label,
    totalMs: (profile.endTime - profile.startTime) / 1000,
    startupMs: startupEndUs === undefined ? undefined : (startupEndUs - profile.startTime) / 1000,
    categories: collapse([...categories].map(([category, v]) => ({ category, ...v }))),
    topFunctions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, 15),
    topModules: [...perModule]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([module, time]) => {
        const m = modules.find(x => `module ${x.id}` === module)
        return {
          module,
          ms: time,
          bytes: m ? m.end - m.start : 0,
          hint: m ? moduleHint(mainSource.slice(m.start + 1, m.end)) : ''
        }
      })
  }
}

// ---------------------------------------------------------------------------------------------
// dist/ sizes

function distFiles(): { file: string; bytes: number }[] {
  const out: { file: string; bytes: number }[] = []
  const walk = (dir: string, depth: number): void => {
    if (depth > 5) return
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full, depth + 1)
      else if (entry.isFile()) out.push({ file: relative(ROOT, full), bytes: statSync(full).size })
    }
  }
  walk(join(ROOT, 'dist'), 0)
  return out.sort((a, b) => a.file.localeCompare(b.file))
}

/** The ncc modules of dist/index.js by size (hints are heuristics: exported names, first bytes). */
function mainModuleBreakdown(): { id: string; bytes: number; hint: string }[] {
  const source = readFileSync(MAIN_ENTRY, 'utf8')
  return moduleTable(source)
    .map(m => ({
      id: m.id,
      bytes: m.end - m.start,
      hint: moduleHint(source.slice(m.start + 1, m.end))
    }))
    .sort((a, b) => b.bytes - a.bytes)
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2))
  const benchStarted = performance.now()
  const tmp = mkdtempSync(join(tmpdir(), 'bench-'))
  const emptyModule = join(tmp, 'empty.mjs')
  writeFileSync(emptyModule, '')
  const probeFile = join(tmp, 'probe.mjs')
  writeFileSync(probeFile, PROBE_SOURCE)
  const probeUrl = pathToFileURL(probeFile).href

  const nodeVersion = (await spawnCollect(opts.node, ['--version'], {}, 10_000)).stdout.trim()
  const loadAtStart = loadavg()[0]
  const distAtStart = sha256(MAIN_ENTRY)
  const postEntry = join(ROOT, 'dist', 'post', 'index.js')
  const postAtStart = sha256(postEntry)

  console.log(
    `bench: bundle run by ${opts.node} (${nodeVersion}); this script on ${process.version}; ` +
      `${opts.runs} runs after ${opts.warmup} warm-up rounds; dist/index.js sha256 ${distAtStart}; ` +
      `load average ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs`
  )
  if (loadAtStart > cpus().length) {
    console.log('⚠ the machine is busy (load average above the CPU count): expect noisy timings.')
  }

  const emu = await startEmulator()
  try {
    const base: StepOptions = { node: opts.node, timeoutMs: 30_000 }
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
    // The post step needs a main step's state: take it from one real keys→role run, and give it
    // the environment runPost() gives it (the main step's exports, then STATE_* variables).
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

    const scenarios: Scenario[] = [
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

    /** Sets the scenario's latency, resets the counters, runs, reads the counters. */
    const measured = async <T>(
      s: Scenario,
      run: () => Promise<T>
    ): Promise<{ value: T; sts: number; idToken: number }> => {
      emu.clearFaults()
      if (s.latencyMs > 0) emu.setFaults({ latencyMs: s.latencyMs })
      emu.resetStats()
      try {
        const value = await run()
        const stats = emu.stats()
        return { value, sts: stsRequests(stats), idToken: stats.idToken }
      } finally {
        emu.clearFaults()
      }
    }

    /** One step through runStep, as the runner runs it; checked (exit code, exports, STS count). */
    const runOnce = async (
      s: Scenario,
      extraEnv: Record<string, string> = {}
    ): Promise<{ sample: RunSample; result: StepResult }> => {
      // A job folder per run under the bench's temporary folder, removed right after.
      const jobDir = mkdtempSync(join(tmp, 'job-'))
      const run = (): Promise<StepResult> =>
        runStep(s.entry, { ...base, jobDir, inputs: s.inputs, env: { ...s.env, ...extraEnv } })
      const {
        value: result,
        sts,
        idToken
      } = await measured(s, run).finally(() => rmSync(jobDir, { recursive: true, force: true }))
      let problem = checkResult(s.kind, result)
      if (!problem && sts !== s.expectSts) problem = `${sts} STS requests, expected ${s.expectSts}`
      return {
        sample: { durationMs: result.durationMs, sts, idToken, ok: !problem, problem },
        result
      }
    }

    // Timed runs: round-robin over the scenarios, warm-up rounds discarded.
    const samples = new Map<string, RunSample[]>(scenarios.map(s => [s.id, []]))
    for (let round = 0; round < opts.warmup + opts.runs; round++) {
      for (const s of scenarios) {
        const { sample } = await runOnce(s)
        if (round >= opts.warmup) samples.get(s.id)?.push(sample)
      }
    }

    // Probe runs (preloaded probe): peak RSS and in-process phases.
    const probes = new Map<string, (ProbeReport & { wallMs: number; originLagMs: number })[]>()
    const probeOut = join(tmp, 'probe.json')
    const readProbe = (what: string): ProbeReport => {
      if (!existsSync(probeOut)) throw new Error(`${what}: the probe wrote nothing`)
      return JSON.parse(readFileSync(probeOut, 'utf8')) as ProbeReport
    }
    const zeroLatency = scenarios.filter(x => x.latencyMs === 0)
    /** Failures outside the timed runs (probe, GNU time, profiles): reported, not fatal. */
    const auxFailures: string[] = []
    for (const s of zeroLatency) {
      const list: (ProbeReport & { wallMs: number; originLagMs: number })[] = []
      // A few spare attempts: a failed run (e.g. dist/ rebuilt mid-run) is reported, not fatal.
      for (
        let attempt = 0;
        list.length < opts.probeRuns && attempt < opts.probeRuns + 3;
        attempt++
      ) {
        rmSync(probeOut, { force: true })
        const spawnedAt = performance.timeOrigin + performance.now()
        const { result, sample } = await runOnce(s, {
          NODE_OPTIONS: `--import=${probeUrl}`,
          BENCH_PROBE_FILE: probeOut
        })
        if (!sample.ok || !existsSync(probeOut)) {
          auxFailures.push(`${s.id} with the probe: ${sample.problem ?? 'no probe report'}`)
          continue
        }
        const report = readProbe(s.id)
        list.push({
          ...report,
          wallMs: result.durationMs,
          originLagMs: report.timeOrigin - spawnedAt
        })
      }
      probes.set(s.id, list)
    }

    // Cross-check of peak RSS with GNU time, when installed: `time -f %M node entry` reports the
    // ru_maxrss of its child, the very node process (no preload in these runs).
    const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
    const timeRss = new Map<string, number[]>()
    if (gnuTime) {
      const timeOut = join(tmp, 'time.txt')
      for (const s of zeroLatency) {
        const list: number[] = []
        for (let i = 0; i < Math.min(3, opts.probeRuns); i++) {
          rmSync(timeOut, { force: true })
          const { value, sts } = await measured(s, () =>
            rawStep(tmp, gnuTime, ['-f', '%M', '-o', timeOut, opts.node, s.entry], s)
          )
          const ok = value.code === (s.kind === 'invalid' ? 1 : 0) && sts === s.expectSts
          if (!ok || !existsSync(timeOut)) {
            auxFailures.push(
              `${s.id} under GNU time: exit ${value.code}, ${sts} STS requests: ${errorLine(value.stderr)}`
            )
            continue
          }
          const kib = Number(readFileSync(timeOut, 'utf8').trim().split('\n').at(-1))
          if (Number.isFinite(kib)) list.push(kib)
        }
        timeRss.set(s.id, list)
      }
    }

    // CPU profiles (--cpu-prof is refused in NODE_OPTIONS, so node is started with it directly),
    // with the probe preloaded to split start-up from the network part on the same clock.
    const profiles: ProfileSummary[] = []
    if (opts.profile) {
      for (const id of ['keys-0', 'oidc-0', 'invalid']) {
        const s = scenarios.find(x => x.id === id)
        if (!s) continue
        const dir = join(tmp, `prof-${id}`)
        mkdirSync(dir)
        rmSync(probeOut, { force: true })
        const { value, sts } = await measured(s, () =>
          rawStep(
            tmp,
            opts.node,
            [
              `--import=${probeUrl}`,
              '--cpu-prof',
              `--cpu-prof-dir=${dir}`,
              '--cpu-prof-interval=250',
              s.entry
            ],
            s,
            { BENCH_PROBE_FILE: probeOut }
          )
        )
        const ok = value.code === (s.kind === 'invalid' ? 1 : 0) && sts === s.expectSts
        const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'))
        if (!ok || !file || !existsSync(probeOut)) {
          auxFailures.push(
            `${s.id} under --cpu-prof: exit ${value.code}, ${sts} STS requests, ` +
              `${file ? 'profile written' : 'no profile'}: ${errorLine(value.stderr)}`
          )
          continue
        }
        const report = readProbe(s.id)
        profiles.push({
          ...summariseProfile(join(dir, file), report.firstRequestUs, s.label),
          http: report.http
        })
      }
    }

    // ------------------------------------------------------------------- report
    const summary = scenarios.map(s => {
      const list = samples.get(s.id) ?? []
      const okRuns = list.filter(r => r.ok).map(r => r.durationMs)
      return {
        id: s.id,
        label: s.label,
        latencyMs: s.latencyMs,
        runs: list.length,
        failures: list.filter(r => !r.ok).length,
        problems: [...new Set(list.flatMap(r => (r.problem ? [r.problem] : [])))],
        medianMs: median(okRuns),
        p90Ms: percentile(okRuns, 90),
        minMs: Math.min(...okRuns),
        maxMs: Math.max(...okRuns),
        stsPerRun: [...new Set(list.map(r => r.sts))].sort(),
        idTokenPerRun: [...new Set(list.map(r => r.idToken))].sort(),
        durationsMs: list.map(r => Math.round(r.durationMs * 100) / 100)
      }
    })
    const byId = (id: string): (typeof summary)[number] => {
      const found = summary.find(s => s.id === id)
      if (!found) throw new Error(id)
      return found
    }
    const bare = byId('bare')
    const ratio = (id: string): number => byId(id).medianMs / bare.medianMs

    console.log(
      `\nWall time, spawn → exit (${opts.runs} runs each, interleaved; ${nodeVersion} at ${opts.node})\n`
    )
    console.log(
      table(
        [
          'step',
          'median ms',
          'p90 ms',
          'min ms',
          '× bare',
          'STS req/run',
          'ID-token req/run',
          'ok'
        ],
        summary.map(s => [
          s.label,
          ms(s.medianMs),
          ms(s.p90Ms),
          ms(s.minMs),
          s.id === 'bare' ? '1.00×' : x2(s.medianMs / bare.medianMs),
          s.stsPerRun.join('/'),
          s.idTokenPerRun.join('/'),
          s.failures ? `✗ ${s.failures} failed: ${s.problems.join('; ')}` : `${s.runs}/${s.runs}`
        ]),
        new Set([1, 2, 3, 4, 5, 6])
      )
    )

    // Phases and RSS from the probe runs (medians).
    const phaseRows = [...probes].map(([id, list]) => {
      const med = (f: (p: (typeof list)[number]) => number | undefined): number => {
        const xs = list.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v))
        return xs.length ? median(xs) : NaN
      }
      const label = scenarios.find(s => s.id === id)?.label ?? id
      return {
        id,
        label,
        wallMs: med(p => p.wallMs),
        execToOriginMs: med(p => p.originLagMs),
        bootstrapMs: med(p => p.bootstrapComplete),
        preloadReadyMs: med(p => p.hook),
        toFirstRequestMs: med(p => (p.firstRequest === undefined ? undefined : p.firstRequest)),
        toExitEventMs: med(p => p.exit),
        teardownMs: med(p => p.wallMs - p.originLagMs - p.exit),
        cpuMs: med(p => p.cpuMs),
        maxRssKiB: Math.max(...list.map(p => p.maxRssKiB)),
        medianRssKiB: med(p => p.maxRssKiB),
        heapUsedKiB: med(p => p.memory.heapUsed / 1024),
        timeRssKiB: timeRss.get(id) ?? []
      }
    })
    console.log(
      `\nInside the process (preloaded probe, ${opts.probeRuns} runs each, medians; ms since the process's timeOrigin)\n`
    )
    console.log(
      table(
        [
          'step',
          'wall',
          'spawn→origin',
          'bootstrap done',
          'entry starts',
          '1st HTTP req',
          "'exit' event",
          'teardown',
          'CPU ms',
          'CPU × bare',
          'peak RSS MiB (max)',
          'heapUsed MiB',
          'GNU time %M MiB'
        ],
        phaseRows.map(p => [
          p.label,
          ms(p.wallMs),
          ms(p.execToOriginMs),
          ms(p.bootstrapMs),
          ms(p.preloadReadyMs),
          ms(p.toFirstRequestMs),
          ms(p.toExitEventMs),
          ms(p.teardownMs),
          ms(p.cpuMs),
          x2(p.cpuMs / (phaseRows.find(b => b.id === 'bare')?.cpuMs ?? NaN)),
          `${mib(p.medianRssKiB)} (${mib(p.maxRssKiB)})`,
          mib(p.heapUsedKiB),
          p.timeRssKiB.length ? p.timeRssKiB.map(mib).join('/') : 'n/a'
        ]),
        new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
      )
    )
    const phase = (id: string): (typeof phaseRows)[number] | undefined =>
      phaseRows.find(p => p.id === id)
    const loadCost =
      (phase('invalid')?.toExitEventMs ?? NaN) - (phase('bare')?.toExitEventMs ?? NaN)
    console.log(
      `\nLoad+validate cost of the main bundle (invalid-input 'exit' minus bare 'exit'): ${ms(loadCost)} ms; ` +
        `keys→role start-up until its first HTTP request: ${ms((phase('keys-0')?.toFirstRequestMs ?? NaN) - (phase('keys-0')?.preloadReadyMs ?? NaN))} ms after the entry starts.`
    )
    for (const [id, list] of probes) {
      const events = list[0]?.http ?? []
      if (!events.length) continue
      const medians = events.map(
        ([what], i) => `${what}@${ms(median(list.map(p => p.http[i]?.[1] ?? NaN)))}`
      )
      console.log(
        `HTTP timeline, ${id} (median ms since timeOrigin): ${medians.join(', ')}, 'exit'@${ms(phase(id)?.toExitEventMs ?? NaN)}`
      )
    }
    const bareBuiltins = new Set(probes.get('bare')?.[0]?.builtins ?? [])
    const builtinsLoaded = Object.fromEntries(
      [...probes].map(([id, list]) => [
        id,
        (list[0]?.builtins ?? []).filter(b => !bareBuiltins.has(b))
      ])
    )
    for (const [id, extra] of Object.entries(builtinsLoaded)) {
      if (id === 'bare') continue
      const publicOnes = extra.filter(b => !b.startsWith('internal/'))
      console.log(
        `Node builtins loaded beyond bare node, ${id}: ${extra.length} (${publicOnes.join(', ') || 'none public'})`
      )
    }

    // dist sizes
    const files = distFiles()
    const jsTotal = files.filter(f => f.file.endsWith('.js')).reduce((a, f) => a + f.bytes, 0)
    console.log('\nFiles under dist/\n')
    console.log(
      table(
        ['file', 'bytes'],
        [
          ...files.map(f => [f.file, f.bytes.toLocaleString('en')]),
          ['all .js under dist/', jsTotal.toLocaleString('en')]
        ],
        new Set([1])
      )
    )
    const modulesBySize = mainModuleBreakdown()
    console.log('\nLargest modules in dist/index.js (ncc module id, bytes, hint)\n')
    console.log(
      table(
        ['module', 'bytes', 'hint'],
        modulesBySize
          .slice(0, 12)
          .map(m => [m.id, m.bytes.toLocaleString('en'), m.hint.slice(0, 90)]),
        new Set([1])
      )
    )

    for (const p of profiles) {
      console.log(
        `\nCPU profile: ${p.path} (${ms(p.totalMs)} ms profiled; first HTTP request at ${ms(p.startupMs ?? NaN)} ms into the profile; 250 µs sampling; the profiler slows the process)\n`
      )
      if (p.http?.length) {
        console.log(
          `HTTP timeline of that run (ms since timeOrigin): ${p.http.map(([w, t]) => `${w}@${ms(t)}`).join(', ')}\n`
        )
      }
      console.log(
        table(
          ['self time by category', 'ms', 'before 1st request'],
          p.categories.map(c => [c.category, ms(c.ms), ms(c.startupMs)]),
          new Set([1, 2])
        )
      )
      console.log('')
      console.log(
        table(
          ['top self time', 'ms', 'where', 'code'],
          p.topFunctions
            .slice(0, 10)
            .map(f => [f.fn.slice(0, 40), ms(f.ms), f.where.slice(0, 60), f.snippet.slice(0, 50)]),
          new Set([1])
        )
      )
      if (p.topModules.length) {
        console.log('')
        console.log(
          table(
            ['bundle module (self time)', 'ms', 'bytes', 'hint'],
            p.topModules.map(m => [
              m.module,
              ms(m.ms),
              m.bytes.toLocaleString('en'),
              m.hint.slice(0, 80)
            ]),
            new Set([1, 2])
          )
        )
      }
    }

    // Budgets
    const peakRssKiB = Math.max(
      ...phaseRows
        .filter(p => p.id.startsWith('keys') || p.id.startsWith('oidc'))
        .map(p => p.maxRssKiB)
    )
    const mainPaths = summary.filter(s => s.id.startsWith('keys') || s.id.startsWith('oidc'))
    const budgets = [
      {
        budget: 'main keys→role @0ms ≤ 2.0 × bare node',
        value: x2(ratio('keys-0')),
        pass: ratio('keys-0') <= 2.0
      },
      {
        budget: 'main OIDC→role @0ms ≤ 2.0 × bare node',
        value: x2(ratio('oidc-0')),
        pass: ratio('oidc-0') <= 2.0
      },
      { budget: 'post ≤ 1.5 × bare node', value: x2(ratio('post')), pass: ratio('post') <= 1.5 },
      {
        budget: 'exactly 1 STS request per run, every main path',
        value: mainPaths.map(s => `${s.id}:${s.stsPerRun.join('/')}`).join(' '),
        pass: mainPaths.every(s => s.stsPerRun.length === 1 && s.stsPerRun[0] === 1)
      },
      {
        budget: 'peak RSS of the main step ≤ 60 MiB',
        value: `${mib(peakRssKiB)} MiB`,
        pass: peakRssKiB <= 60 * 1024
      },
      {
        budget: 'all .js under dist/ ≤ 1.2 MB (1,200,000 bytes)',
        value: `${jsTotal.toLocaleString('en')} bytes`,
        pass: jsTotal <= 1_200_000
      },
      {
        budget: 'every timed run succeeded',
        value: `${summary.reduce((a, s) => a + s.failures, 0)} failures`,
        pass: summary.every(s => s.failures === 0)
      }
    ]
    console.log(`\nBudgets (${nodeVersion})\n`)
    console.log(
      table(
        ['', 'budget', 'measured'],
        budgets.map(b => [mark(b.pass), b.budget, b.value])
      )
    )

    if (auxFailures.length) {
      console.log(`\n${auxFailures.length} run(s) outside the timed set failed and were left out:`)
      for (const f of auxFailures.slice(0, 10)) console.log(`  ${f}`)
    }
    const distAtEnd = sha256(MAIN_ENTRY)
    const postAtEnd = sha256(postEntry)
    const distChanged = distAtEnd !== distAtStart || postAtEnd !== postAtStart
    if (distChanged) {
      console.log(
        '\n⚠ dist/ changed while the bench ran (someone rebuilt it): rerun for clean figures.'
      )
    }
    const totalS = (performance.now() - benchStarted) / 1000
    console.log(
      `\nPeak RSS: process.resourceUsage().maxRSS written by a preload on 'exit' in the step's own process` +
        `${gnuTime ? '; GNU time %M on the same node process as a cross-check' : ' (/usr/bin/time not installed)'}.` +
        `\nBench took ${totalS.toFixed(1)} s.`
    )

    const result = {
      date: new Date().toISOString(),
      node: { path: opts.node, version: nodeVersion, benchScriptVersion: process.version },
      host: {
        platform: process.platform,
        arch: process.arch,
        cpu: cpus()[0]?.model,
        cpus: cpus().length,
        loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0] }
      },
      options: opts,
      dist: {
        sha256: { 'dist/index.js': distAtStart, 'dist/post/index.js': postAtStart },
        changedDuringRun: distChanged,
        files,
        totalJsBytes: jsTotal,
        mainModulesBySize: modulesBySize.slice(0, 30)
      },
      wall: summary,
      ratios: {
        'keys-0': ratio('keys-0'),
        'oidc-0': ratio('oidc-0'),
        'keys-40': ratio('keys-40'),
        'oidc-40': ratio('oidc-40'),
        invalid: ratio('invalid'),
        post: ratio('post')
      },
      phases: phaseRows,
      auxFailures,
      builtinsLoaded,
      rssMethod:
        "preload via NODE_OPTIONS=--import writes process.resourceUsage().maxRSS (KiB) on 'exit' (same process); GNU time %M cross-check",
      peakRssKiB,
      profiles,
      budgets,
      benchSeconds: totalS
    }
    const outDir = join(ROOT, 'bench-results')
    mkdirSync(outDir, { recursive: true })
    const json = JSON.stringify(result, null, 2)
    writeFileSync(join(outDir, 'bench.json'), json)
    const major = /^v(\d+)/.exec(nodeVersion)?.[1] ?? 'unknown'
    writeFileSync(join(outDir, `bench-node${major}.json`), json)
    console.log(`Wrote ${relative(ROOT, join(outDir, 'bench.json'))} and bench-node${major}.json.`)
    if (opts.strict && budgets.some(b => !b.pass)) process.exitCode = 1
  } finally {
    await emu.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exitCode = 1
})
