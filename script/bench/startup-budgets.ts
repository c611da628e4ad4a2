/** The start-up bench's budgets (printed with ✓/✗) and its bench-results/ JSON. */
import { cpus, loadavg } from 'node:os'
import type { ProfileSummary } from './cpu-profile.js'
import type { DistFile } from './dist.js'
import { table, writeResults } from './report.js'
import { mark, mib, x2 } from './stats.js'
import type { StartupOptions } from './startup-options.js'
import type { PhaseRow, WallSummary } from './startup-report.js'

export interface Budget {
  budget: string
  value: string
  pass: boolean
}

/** Checks and prints the budgets. */
export function checkBudgets(
  summary: WallSummary[],
  phaseRows: PhaseRow[],
  ratio: (id: string) => number,
  jsTotal: number,
  nodeVersion: string
): { budgets: Budget[]; peakRssKiB: number } {
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
  return { budgets, peakRssKiB }
}

/** Failures outside the timed runs, at most ten of them. */
export function printAuxFailures(auxFailures: string[]): void {
  if (auxFailures.length) {
    console.log(`\n${auxFailures.length} run(s) outside the timed set failed and were left out:`)
    for (const f of auxFailures.slice(0, 10)) console.log(`  ${f}`)
  }
}

/** Everything the JSON report holds that the bench measured. */
export interface StartupRun {
  opts: StartupOptions
  nodeVersion: string
  loadAtStart: number
  distAtStart: string
  postAtStart: string
  distChanged: boolean
  files: DistFile[]
  jsTotal: number
  modulesBySize: { id: string; bytes: number; hint: string }[]
  summary: WallSummary[]
  ratio: (id: string) => number
  phaseRows: PhaseRow[]
  auxFailures: string[]
  builtinsLoaded: Record<string, string[]>
  peakRssKiB: number
  profiles: ProfileSummary[]
  budgets: Budget[]
  totalS: number
}

/** Writes bench-results/bench.json and bench-node<major>.json; prints their names. */
export function writeStartupJson(run: StartupRun): void {
  const { opts, nodeVersion, loadAtStart, distAtStart, postAtStart, distChanged } = run
  const { files, jsTotal, modulesBySize, summary, ratio, phaseRows, auxFailures } = run
  const { builtinsLoaded, peakRssKiB, profiles, budgets, totalS } = run
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
  const major = /^v(\d+)/.exec(nodeVersion)?.[1] ?? 'unknown'
  const [main] = writeResults(['bench.json', `bench-node${major}.json`], result)
  console.log(`Wrote ${main} and bench-node${major}.json.`)
}
