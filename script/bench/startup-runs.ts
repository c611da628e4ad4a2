/**
 * The start-up bench's runs against the emulator: the timed round-robin, the probe runs (phases,
 * RSS), the GNU time cross-check and the CPU profiles. Each run is checked (exit code, exports,
 * STS count); failures outside the timed runs are collected in `auxFailures`, not fatal.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Emulator } from '../../test-support/emulator/index.js'
import {
  runStep,
  spawnCollect,
  stepEnvironment,
  type StepOptions,
  type StepResult
} from '../../test-support/runner.js'
import { summariseProfile, type ProfileSummary } from './cpu-profile.js'
import type { ProbeReport, ProbeSample } from './probe.js'
import type { StartupOptions } from './startup-options.js'
import {
  checkResult,
  errorLine,
  stsRequests,
  type RunSample,
  type Scenario
} from './startup-scenarios.js'

export class StartupRuns {
  /** Failures outside the timed runs (probe, GNU time, profiles): reported, not fatal. */
  readonly auxFailures: string[] = []
  private readonly probeOut: string

  constructor(
    private readonly opts: StartupOptions,
    private readonly emu: Emulator,
    private readonly base: StepOptions,
    private readonly tmp: string,
    private readonly probeUrl: string
  ) {
    this.probeOut = join(tmp, 'probe.json')
  }

  /** Sets the scenario's latency, resets the counters, runs, reads the counters. */
  private async measured<T>(
    s: Scenario,
    run: () => Promise<T>
  ): Promise<{ value: T; sts: number; idToken: number }> {
    const emu = this.emu
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
  private async runOnce(
    s: Scenario,
    extraEnv: Record<string, string> = {}
  ): Promise<{ sample: RunSample; result: StepResult }> {
    // A job folder per run under the bench's temporary folder, removed right after.
    const jobDir = mkdtempSync(join(this.tmp, 'job-'))
    const run = (): Promise<StepResult> =>
      runStep(s.entry, { ...this.base, jobDir, inputs: s.inputs, env: { ...s.env, ...extraEnv } })
    const {
      value: result,
      sts,
      idToken
    } = await this.measured(s, run).finally(() => rmSync(jobDir, { recursive: true, force: true }))
    let problem = checkResult(s.kind, result)
    if (!problem && sts !== s.expectSts) problem = `${sts} STS requests, expected ${s.expectSts}`
    return {
      sample: { durationMs: result.durationMs, sts, idToken, ok: !problem, problem },
      result
    }
  }

  /**
   * One step started with a command line runStep cannot express (node flags that NODE_OPTIONS
   * refuses, such as --cpu-prof, or GNU time in front of node), in the environment runStep builds:
   * PATH, AWS_EC2_METADATA_DISABLED, the GitHub context of a fresh job folder, the four command
   * files, the extra env, then INPUT_* variables with action.yml's defaults. Spawned directly: a
   * /bin/sh wrapper would drop the INPUT_* variables whose names contain '-'.
   */
  private async rawStep(
    command: string,
    args: string[],
    s: Scenario,
    extraEnv: Record<string, string> = {}
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const jobDir = mkdtempSync(join(this.tmp, 'job-'))
    const { env } = stepEnvironment(jobDir, s.inputs, { ...s.env, ...extraEnv })
    try {
      return await spawnCollect(command, args, env, 30_000)
    } finally {
      rmSync(jobDir, { recursive: true, force: true })
    }
  }

  private readProbe(what: string): ProbeReport {
    if (!existsSync(this.probeOut)) throw new Error(`${what}: the probe wrote nothing`)
    return JSON.parse(readFileSync(this.probeOut, 'utf8')) as ProbeReport
  }

  /** Timed runs: round-robin over the scenarios, warm-up rounds discarded. */
  async timed(scenarios: Scenario[]): Promise<Map<string, RunSample[]>> {
    const samples = new Map<string, RunSample[]>(scenarios.map(s => [s.id, []]))
    for (let round = 0; round < this.opts.warmup + this.opts.runs; round++) {
      for (const s of scenarios) {
        const { sample } = await this.runOnce(s)
        if (round >= this.opts.warmup) samples.get(s.id)?.push(sample)
      }
    }
    return samples
  }

  /** Probe runs (preloaded probe): peak RSS and in-process phases. */
  async probed(scenarios: Scenario[]): Promise<Map<string, ProbeSample[]>> {
    const probes = new Map<string, ProbeSample[]>()
    const probeRuns = this.opts.probeRuns
    for (const s of scenarios) {
      const list: ProbeSample[] = []
      // A few spare attempts: a failed run (e.g. dist/ rebuilt mid-run) is reported, not fatal.
      for (let attempt = 0; list.length < probeRuns && attempt < probeRuns + 3; attempt++) {
        rmSync(this.probeOut, { force: true })
        const spawnedAt = performance.timeOrigin + performance.now()
        const { result, sample } = await this.runOnce(s, {
          NODE_OPTIONS: `--import=${this.probeUrl}`,
          BENCH_PROBE_FILE: this.probeOut
        })
        if (!sample.ok || !existsSync(this.probeOut)) {
          this.auxFailures.push(`${s.id} with the probe: ${sample.problem ?? 'no probe report'}`)
          continue
        }
        const report = this.readProbe(s.id)
        list.push({
          ...report,
          wallMs: result.durationMs,
          originLagMs: report.timeOrigin - spawnedAt
        })
      }
      probes.set(s.id, list)
    }
    return probes
  }

  /**
   * Cross-check of peak RSS with GNU time: `time -f %M node entry` reports the ru_maxrss of its
   * child, the very node process (no preload in these runs).
   */
  async gnuTimeRss(gnuTime: string, scenarios: Scenario[]): Promise<Map<string, number[]>> {
    const timeRss = new Map<string, number[]>()
    const timeOut = join(this.tmp, 'time.txt')
    for (const s of scenarios) {
      const list: number[] = []
      for (let i = 0; i < Math.min(3, this.opts.probeRuns); i++) {
        rmSync(timeOut, { force: true })
        const { value, sts } = await this.measured(s, () =>
          this.rawStep(gnuTime, ['-f', '%M', '-o', timeOut, this.opts.node, s.entry], s)
        )
        const ok = value.code === (s.kind === 'invalid' ? 1 : 0) && sts === s.expectSts
        if (!ok || !existsSync(timeOut)) {
          this.auxFailures.push(
            `${s.id} under GNU time: exit ${value.code}, ${sts} STS requests: ${errorLine(value.stderr)}`
          )
          continue
        }
        const kib = Number(readFileSync(timeOut, 'utf8').trim().split('\n').at(-1))
        if (Number.isFinite(kib)) list.push(kib)
      }
      timeRss.set(s.id, list)
    }
    return timeRss
  }

  /**
   * CPU profiles (--cpu-prof is refused in NODE_OPTIONS, so node is started with it directly),
   * with the probe preloaded to split start-up from the network part on the same clock.
   */
  async profiled(scenarios: Scenario[], ids: string[]): Promise<ProfileSummary[]> {
    const profiles: ProfileSummary[] = []
    for (const id of ids) {
      const s = scenarios.find(x => x.id === id)
      if (!s) continue
      const dir = join(this.tmp, `prof-${id}`)
      mkdirSync(dir)
      rmSync(this.probeOut, { force: true })
      const { value, sts } = await this.measured(s, () =>
        this.rawStep(
          this.opts.node,
          [
            `--import=${this.probeUrl}`,
            '--cpu-prof',
            `--cpu-prof-dir=${dir}`,
            '--cpu-prof-interval=250',
            s.entry
          ],
          s,
          { BENCH_PROBE_FILE: this.probeOut }
        )
      )
      const ok = value.code === (s.kind === 'invalid' ? 1 : 0) && sts === s.expectSts
      const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'))
      if (!ok || !file || !existsSync(this.probeOut)) {
        this.auxFailures.push(
          `${s.id} under --cpu-prof: exit ${value.code}, ${sts} STS requests, ` +
            `${file ? 'profile written' : 'no profile'}: ${errorLine(value.stderr)}`
        )
        continue
      }
      const report = this.readProbe(s.id)
      profiles.push({
        ...summariseProfile(join(dir, file), report.firstRequestUs, s.label),
        http: report.http
      })
    }
    return profiles
  }
}
