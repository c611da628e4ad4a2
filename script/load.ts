/**
 * Load run: the loopback emulator in this process with 30 % of STS requests throttled (seeded),
 * and N runs of the committed main step (keys → role/deploy) as the runner starts them, at most
 * C at a time. Prints successes, STS attempts per run, wall-time percentiles and the total, and
 * writes the same to bench-results/load.json. Exits 1 unless every run succeeded.
 *
 *   npm run load -- [--runs 256] [--concurrency <CPUs>]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { SEED, startEmulator } from '../test-support/emulator/index.js'
import { MAIN_ENTRY, ROOT, runStep } from '../test-support/runner.js'

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

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
