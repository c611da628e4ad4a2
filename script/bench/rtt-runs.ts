/**
 * The RTT bench's runs: one spawned step per path (checked: exit code, exported session token),
 * alternated round-robin so drift hits all alike, then the peak-RSS runs with the RSS probe.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnCollect } from '../../test-support/runner.js'
import type { Network } from './network.js'
import type { RttOptions } from './rtt-options.js'
import { environmentFor, type Path } from './rtt-paths.js'

export interface Sample {
  ms: number
  sts: number
  idToken: number
  problem?: string
}

export class RttRuns {
  private readonly stepEnv: ReturnType<typeof environmentFor>

  constructor(
    private readonly opts: RttOptions,
    private readonly net: Network,
    private readonly tmp: string
  ) {
    this.stepEnv = environmentFor(net, opts)
  }

  /** One step of path `p`, spawned and timed, with the emulator's request counts. */
  async runOnce(p: Path, extra: Record<string, string> = {}): Promise<Sample> {
    const { emu } = this.net
    const jobDir = mkdtempSync(join(this.tmp, 'job-'))
    try {
      const env = this.stepEnv(p, jobDir, extra)
      emu.resetStats()
      const t0 = performance.now()
      const r = await spawnCollect(this.opts.node, [p.entry], env, 30_000)
      const ms = performance.now() - t0
      const s = emu.stats()
      const sts = s.AssumeRole + s.AssumeRoleWithWebIdentity + s.GetCallerIdentity + s.other
      const exported = existsSync(env.GITHUB_ENV) ? readFileSync(env.GITHUB_ENV, 'utf8') : ''
      let problem: string | undefined
      if (r.code !== 0)
        problem = `exit ${r.code}: ${(r.stdout.split('\n').find(l => l.startsWith('::error')) ?? r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 200)}`
      else if (p.who !== 'floor' && p.who !== 'bare' && !exported.includes('AWS_SESSION_TOKEN'))
        problem = 'no AWS_SESSION_TOKEN exported'
      return { ms, sts, idToken: s.idToken, problem }
    } finally {
      rmSync(jobDir, { recursive: true, force: true })
    }
  }

  /** Warm-up and timed rounds over every path; samples of the timed rounds by path id. */
  async timed(paths: Path[]): Promise<Map<string, Sample[]>> {
    const samples = new Map<string, Sample[]>(paths.map(p => [p.id, []]))
    for (let round = 0; round < this.opts.warmup + this.opts.runs; round++) {
      // Alternate the order every round as well, so no path always follows the same one.
      const order = round % 2 ? [...paths].reverse() : paths
      for (const p of order) {
        const s = await this.runOnce(p)
        if (round >= this.opts.warmup) samples.get(p.id)?.push(s)
      }
    }
    return samples
  }

  /** Peak RSS (KiB, max of --rss-runs) per `who-flow` at the first RTT, with the RSS probe. */
  async peakRss(paths: Path[], rssProbeUrl: string): Promise<Map<string, number>> {
    const rssFile = join(this.tmp, 'rss.txt')
    const rss = new Map<string, number>()
    for (const p of paths.filter(x => x.rtt === this.opts.rtts[0])) {
      const kib: number[] = []
      for (let i = 0; i < this.opts.rssRuns; i++) {
        rmSync(rssFile, { force: true })
        const s = await this.runOnce(p, {
          NODE_OPTIONS: `--import=${rssProbeUrl}`,
          BENCH_RSS_FILE: rssFile
        })
        if (!s.problem && existsSync(rssFile)) kib.push(Number(readFileSync(rssFile, 'utf8')))
      }
      rss.set(`${p.who}-${p.flow}`, Math.max(...kib))
    }
    return rss
  }
}
