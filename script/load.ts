/**
 * Load run: the loopback emulator in this process with 30 % of STS requests throttled (seeded).
 *
 *   npm run load -- [--runs 256] [--concurrency <CPUs>]
 *     N runs of the committed main step (keys → role/deploy) as the runner starts them, at most C
 *     at a time. Writes bench-results/load.json.
 *   npm run load -- --matrix [N]
 *     A matrix fan-out: N legs (default 64, at most 256) started at once, each assuming the
 *     github-deploy role of its own account with GitHub OIDC, as the README's matrix job does
 *     (allowed-account-ids = the leg's account), with 40 ms of latency on every response. Checks
 *     that each leg exports its own account's credentials and nothing of any other leg's, and that
 *     the emulator saw one STS call per leg plus one per throttled attempt. Writes
 *     bench-results/load-matrix.json.
 *
 * Prints successes, STS attempts per run, wall-time percentiles and the total (and, for the
 * matrix, the peak number of connections the emulator held at once). Exits 1 unless every run
 * succeeded.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { SEED, startEmulator } from '../test-support/emulator/index.js'
import { fanOutWorld, type MatrixEntry } from '../test-support/matrix-worlds.js'
import { MAIN_ENTRY, ROOT, runStep, type StepResult } from '../test-support/runner.js'

const THROTTLE_RATE = 0.3
const THROTTLE_SEED = 42
/** Far above what 256 runs draw (≈ 0.3 / 0.7 per run), so the rate alone decides. */
const THROTTLE_MAX = 100_000
/** Per run: 12 attempts of at most 20 s backoff each would still end well before this. */
const RUN_TIMEOUT_MS = 120_000
const RETRY_LINE = /^STS attempt (\d+)\/(\d+) failed: .+; waited (\d+) ms before attempt (\d+)$/

function flag(name: string, fallback: number, max: number): number {
  const index = process.argv.indexOf(`--${name}`)
  if (index === -1) return fallback
  const text = process.argv[index + 1] ?? ''
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    console.error(`--${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(text)})`)
    process.exit(2)
  }
  return value
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? 0
}

interface RunRecord {
  code: number | null
  ok: boolean
  ms: number
  /** 1 + the retry lines the run printed. */
  attempts: number
  waitedMs: number
}

async function main(): Promise<void> {
  if (process.argv.includes('--matrix')) return matrix(matrixSize())
  const runs = flag('runs', 256, 10_000)
  const concurrency = flag('concurrency', availableParallelism(), 256)
  const emu = await startEmulator({
    faults: { throttle: { rate: THROTTLE_RATE, max: THROTTLE_MAX }, seed: THROTTLE_SEED }
  })
  const inputs = {
    'aws-region': SEED.region,
    'sts-endpoint': emu.url,
    'role-to-assume': SEED.roles.deploy,
    'aws-access-key-id': SEED.user.accessKeyId,
    'aws-secret-access-key': SEED.user.secretAccessKey
  }
  console.log(
    `load: ${runs} runs of dist/index.js, concurrency ${concurrency}, throttle ${THROTTLE_RATE * 100} % (seed ${THROTTLE_SEED}), emulator ${emu.url}`
  )

  const records: RunRecord[] = []
  let next = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (next < runs) {
      next++
      const result = await runStep(MAIN_ENTRY, { inputs, timeoutMs: RUN_TIMEOUT_MS })
      const retries = result.lines
        .map(line => RETRY_LINE.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
      const issued = emu
        .issuedCredentials()
        .find(c => c.accessKeyId === result.env.AWS_ACCESS_KEY_ID)
      records.push({
        code: result.code,
        ok:
          result.code === 0 &&
          issued?.roleArn === SEED.roles.deploy &&
          result.env.AWS_SECRET_ACCESS_KEY === issued.secretAccessKey &&
          result.env.AWS_SESSION_TOKEN === issued.sessionToken,
        ms: result.durationMs,
        attempts: retries.length + 1,
        waitedMs: retries.reduce((sum, m) => sum + Number(m[3]), 0)
      })
      if (records.length % 32 === 0) console.log(`  ${records.length}/${runs} done`)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, runs) }, worker))
  } finally {
    await emu.close()
  }
  const totalMs = performance.now() - started
  const stats = emu.stats()

  const times = records.map(r => r.ms).sort((a, b) => a - b)
  const attempts = records.map(r => r.attempts)
  const successes = records.filter(r => r.ok).length
  const round = (n: number): number => Math.round(n * 10) / 10
  const report = {
    runs,
    concurrency,
    throttle: { rate: THROTTLE_RATE, seed: THROTTLE_SEED, max: THROTTLE_MAX },
    node: process.version,
    successes,
    failures: records.filter(r => !r.ok).map(r => ({ code: r.code, ms: round(r.ms) })),
    stsAttempts: {
      total: stats.AssumeRole,
      perRun: round(stats.AssumeRole / runs),
      fromRetryLines: attempts.reduce((a, b) => a + b, 0),
      min: Math.min(...attempts),
      max: Math.max(...attempts),
      throttled: stats.faults.throttle,
      histogram: attempts.reduce<Record<string, number>>((h, n) => {
        h[n] = (h[n] ?? 0) + 1
        return h
      }, {})
    },
    backoffWaitedMs: {
      total: records.reduce((a, r) => a + r.waitedMs, 0),
      max: Math.max(...records.map(r => r.waitedMs))
    },
    wallMsPerRun: {
      p50: round(percentile(times, 50)),
      p99: round(percentile(times, 99)),
      max: round(times[times.length - 1] ?? 0),
      mean: round(times.reduce((a, b) => a + b, 0) / Math.max(1, times.length))
    },
    totalWallMs: round(totalMs)
  }

  const dir = join(ROOT, 'bench-results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'load.json'), JSON.stringify(report, null, 2) + '\n')

  const a = report.stsAttempts
  const w = report.wallMsPerRun
  console.log(`successes            ${successes}/${runs}`)
  console.log(
    `STS attempts         ${a.total} total (${a.perRun}/run; retry lines say ${a.fromRetryLines}), min ${a.min}, max ${a.max}, throttled ${a.throttled}`
  )
  console.log(`attempts histogram   ${JSON.stringify(a.histogram)}`)
  console.log(`wall time per run    p50 ${w.p50} ms, p99 ${w.p99} ms, max ${w.max} ms`)
  console.log(`total wall time      ${report.totalWallMs} ms`)
  console.log(`written              bench-results/load.json`)
  if (successes !== runs) process.exitCode = 1
}

/** `--matrix` alone means 64 legs; `--matrix N` takes 1 to 256. */
function matrixSize(): number {
  const next = process.argv[process.argv.indexOf('--matrix') + 1]
  return next === undefined || next.startsWith('--')
    ? MATRIX_DEFAULT
    : flag('matrix', 0, MATRIX_MAX)
}

/** A retried STS call's log line (the ID-token request's retries say "ID token request"). */
const STS_RETRY_LINE = /^(?:STS|AssumeRoleWithWebIdentity) attempt \d+\/\d+ failed: /
const MATRIX_DEFAULT = 64
const MATRIX_MAX = 256
/** The 40 ms the start-up bench uses for a round trip to a regional STS endpoint. */
const MATRIX_LATENCY_MS = 40
/**
 * Every leg starts at once on a machine with a few cores, so a leg waits mostly for CPU; this
 * bounds the run without cutting legs short.
 */
const LEG_TIMEOUT_MS = 300_000
/**
 * On GitHub every leg has a runner machine of its own and STS runs on AWS's. Here hundreds of legs
 * share a few cores with the emulator; at the same priority the emulator would get 1/(N+1) of the
 * CPU and legs would time out waiting for it, which measures this machine's scheduler, not the
 * fan-out. So legs run at the lowest priority, and the emulator answers as a separate STS would.
 */
const LEG_PRIORITY = 19
/** What a successful leg exports, and nothing else. */
const EXPORTED = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION'
].sort()

interface LegRecord {
  account: string
  ok: boolean
  throttledRetries: number
  otherRetries: string[]
  /** Why the leg does not count as a success. */
  problem?: string
  ms: number
  attempts: number
}

async function matrix(legs: number): Promise<void> {
  const { world, entries } = fanOutWorld(legs)
  const emu = await startEmulator({
    world,
    latencyMs: MATRIX_LATENCY_MS,
    faults: { throttle: { rate: THROTTLE_RATE, max: THROTTLE_MAX }, seed: THROTTLE_SEED }
  })
  console.log(
    `load --matrix: ${legs} legs of dist/index.js started at once (GitHub OIDC, one account each), throttle ${THROTTLE_RATE * 100} % of STS requests (seed ${THROTTLE_SEED}), ${MATRIX_LATENCY_MS} ms latency per response, emulator ${emu.url}`
  )
  const runLeg = (entry: MatrixEntry): Promise<StepResult> =>
    runStep(MAIN_ENTRY, {
      inputs: {
        'role-to-assume': entry.role,
        'role-session-name': `gha-4242-${entry.account}`,
        'aws-region': entry.region,
        'allowed-account-ids': entry.account,
        'sts-endpoint': emu.url
      },
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
      },
      timeoutMs: LEG_TIMEOUT_MS,
      priority: LEG_PRIORITY
    })
  const started = performance.now()
  let results: StepResult[]
  try {
    results = await Promise.all(entries.map(runLeg))
  } finally {
    await emu.close()
  }
  const totalMs = performance.now() - started
  const stats = emu.stats()
  const issued = emu.issuedCredentials()

  // Every leg's secrets, to look for them in the other legs' files and logs.
  const secretsOf = results.map(r =>
    [r.env.AWS_ACCESS_KEY_ID, r.env.AWS_SECRET_ACCESS_KEY, r.env.AWS_SESSION_TOKEN].filter(
      (v): v is string => !!v
    )
  )
  const records: LegRecord[] = results.map((result, i) => {
    const entry = entries[i] as MatrixEntry
    const retries = result.lines.filter(line => STS_RETRY_LINE.test(line))
    const record = {
      account: entry.account,
      ok: false,
      ms: result.durationMs,
      attempts: retries.length + 1,
      throttledRetries: retries.filter(line => / failed: Throttling\b/.test(line)).length,
      otherRetries: retries.filter(line => !/ failed: Throttling\b/.test(line))
    }
    const sessions = issued.filter(c => c.roleArn === entry.role).length
    const cred = issued.find(c => c.accessKeyId === result.env.AWS_ACCESS_KEY_ID)
    const seen = [
      result.stdout,
      result.stderr,
      ...Object.values(result.env),
      ...Object.values(result.outputs)
    ].join('\n')
    const foreign = secretsOf.findIndex(
      (secrets, j) => j !== i && secrets.some(v => seen.includes(v))
    )
    const problem =
      result.code !== 0
        ? `exit ${result.code}: ${result.lines.find(l => l.startsWith('::error')) ?? result.stderr.slice(0, 200)}`
        : JSON.stringify(Object.keys(result.env).sort()) !== JSON.stringify(EXPORTED)
          ? `exported ${Object.keys(result.env).join(', ')}`
          : cred?.roleArn !== entry.role ||
              cred.secretAccessKey !== result.env.AWS_SECRET_ACCESS_KEY ||
              cred.sessionToken !== result.env.AWS_SESSION_TOKEN
            ? 'exported credentials that are not a session of its own role'
            : sessions !== 1
              ? `the emulator issued ${sessions} sessions of its role`
              : result.outputs['aws-account-id'] !== entry.account
                ? `aws-account-id output ${result.outputs['aws-account-id']}`
                : foreign >= 0
                  ? `sees the credentials of ${entries[foreign]?.account ?? '?'}`
                  : undefined
    return problem ? { ...record, problem } : { ...record, ok: true }
  })

  // Lines about the ID token: retries of the token request, re-fetches of an expiring token.
  const tokenLines = results.flatMap(r =>
    r.lines.filter(line => /ID token/.test(line) && !STS_RETRY_LINE.test(line))
  )
  const times = records.map(r => r.ms).sort((a, b) => a - b)
  const attempts = records.map(r => r.attempts)
  const successes = records.filter(r => r.ok).length
  const stsCalls = stats.AssumeRoleWithWebIdentity + stats.AssumeRole + stats.GetCallerIdentity
  const fromLogs = attempts.reduce((a, b) => a + b, 0)
  const throttledRetries = records.reduce((a, r) => a + r.throttledRetries, 0)
  const otherRetries = records.flatMap(r => r.otherRetries)
  // One STS call per leg plus its retries: every throttled answer was retried exactly once, and
  // the only other calls are retries after a failure on the leg's side (a timeout on this
  // starved machine), which may or may not have reached the emulator.
  const callsOk =
    throttledRetries === stats.faults.throttle &&
    stsCalls >= legs + stats.faults.throttle &&
    stsCalls <= fromLogs
  const round = (n: number): number => Math.round(n * 10) / 10
  const report = {
    legs,
    throttle: { rate: THROTTLE_RATE, seed: THROTTLE_SEED },
    latencyMs: MATRIX_LATENCY_MS,
    node: process.version,
    successes,
    failures: records.filter(r => !r.ok).map(r => ({ account: r.account, problem: r.problem })),
    stsCalls: {
      total: stsCalls,
      assumeRoleWithWebIdentity: stats.AssumeRoleWithWebIdentity,
      otherActions: stats.AssumeRole + stats.GetCallerIdentity,
      throttled: stats.faults.throttle,
      fromRetryLines: fromLogs,
      otherRetries: otherRetries.slice(0, 20),
      onePerLegPlusRetries: callsOk
    },
    idTokenRequests: stats.idToken,
    idTokenLines: tokenLines.slice(0, 20),
    attemptsPerLeg: {
      min: Math.min(...attempts),
      mean: round(fromLogs / legs),
      max: Math.max(...attempts),
      histogram: attempts.reduce<Record<string, number>>((h, n) => {
        h[n] = (h[n] ?? 0) + 1
        return h
      }, {})
    },
    wallMsPerLeg: {
      p50: round(percentile(times, 50)),
      p99: round(percentile(times, 99)),
      max: round(times[times.length - 1] ?? 0)
    },
    peakConnections: stats.connections.peak,
    totalWallMs: round(totalMs)
  }
  const dir = join(ROOT, 'bench-results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'load-matrix.json'), JSON.stringify(report, null, 2) + '\n')

  const c = report.stsCalls
  const a = report.attemptsPerLeg
  const w = report.wallMsPerLeg
  console.log(
    `successes            ${successes}/${legs} (each exported only its own account's session)`
  )
  for (const f of report.failures.slice(0, 10)) console.log(`  failed ${f.account}: ${f.problem}`)
  console.log(
    `STS calls            ${c.total} at the emulator = ${legs} legs + ${c.throttled} retries after throttling + ${c.total - legs - c.throttled} other${callsOk ? '' : ' ✗ MISMATCH'}; one session issued per leg; other actions ${c.otherActions}`
  )
  console.log(
    `attempts in the logs ${c.fromRetryLines} (${throttledRetries} retried after Throttling, ${otherRetries.length} after a failure on the leg's side)`
  )
  for (const line of [...new Set(otherRetries)].slice(0, 5)) console.log(`  ${line}`)
  console.log(
    `ID-token requests    ${report.idTokenRequests} at the emulator for ${legs} legs; ${tokenLines.length} ID-token retry lines in the legs' logs`
  )
  for (const line of [...new Set(tokenLines)].slice(0, 3)) console.log(`  ${line}`)
  console.log(
    `attempts per leg     min ${a.min}, mean ${a.mean}, max ${a.max}; histogram ${JSON.stringify(a.histogram)}`
  )
  console.log(`wall time per leg    p50 ${w.p50} ms, p99 ${w.p99} ms, max ${w.max} ms`)
  console.log(`peak connections     ${report.peakConnections} open at once at the emulator`)
  console.log(`total wall time      ${report.totalWallMs} ms`)
  console.log(`written              bench-results/load-matrix.json`)
  if (successes !== legs || !callsOk || c.otherActions !== 0) process.exitCode = 1
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
