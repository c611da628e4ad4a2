/**
 * The RTT bench's report: the wall-time table per RTT and flow, peak RSS and dist/ bytes, the
 * budgets, and bench-results/rtt.json.
 */
import { cpus, loadavg } from 'node:os'
import { distJsBytes } from './dist.js'
import { numericColumns, table, writeResults } from './report.js'
import type { RttOptions } from './rtt-options.js'
import type { Path } from './rtt-paths.js'
import type { Sample } from './rtt-runs.js'
import { fmt, median } from './stats.js'

export interface Stat {
  median: number
  sts: string
  idToken: string
  failures: string[]
  runs: number
}

/** Median of the successful runs, distinct request counts and failures of one path's samples. */
export function statOf(samples: Map<string, Sample[]>): (id: string) => Stat {
  return (id: string): Stat => {
    const list = samples.get(id) ?? []
    const ok = list.filter(s => !s.problem)
    return {
      median: median(ok.map(s => s.ms)),
      sts: [...new Set(list.map(s => s.sts))].sort().join('/'),
      idToken: [...new Set(list.map(s => s.idToken))].sort().join('/'),
      failures: [...new Set(list.flatMap(s => (s.problem ? [s.problem] : [])))],
      runs: list.length
    }
  }
}

/** Prints the wall-time table; returns bare node's figures and one result per RTT and flow. */
export function printWall(
  opts: RttOptions,
  nodeVersion: string,
  stat: (id: string) => Stat
): { bare: Stat; results: Record<string, unknown>[] } {
  const bare = stat('bare')
  console.log(
    `\nWall time, spawn → exit, median of ${opts.runs} alternating runs (${nodeVersion}, HTTPS via the delay link; bare node ${fmt(bare.median)} ms)\n`
  )
  const rows: string[][] = []
  const results: Record<string, unknown>[] = []
  for (const rtt of opts.rtts) {
    for (const flow of ['keys', 'oidc'] as const) {
      const ours = stat(`ours-${flow}-${rtt}`)
      const floor = flow === 'keys' ? stat(`floor-keys-${rtt}`) : undefined
      const peer = opts.peer ? stat(`peer-${flow}-${rtt}`) : undefined
      const before = opts.before ? stat(`before-${flow}-${rtt}`) : undefined
      const ratio = peer ? peer.median / ours.median : NaN
      rows.push([
        `${rtt} ms ${flow === 'keys' ? 'keys→role' : 'OIDC→role'}`,
        ...(opts.before ? [before ? fmt(before.median) : ''] : []),
        fmt(ours.median),
        floor ? fmt(floor.median) : '',
        floor ? fmt(ours.median / floor.median, 2) : '',
        peer ? fmt(peer.median) : '',
        peer ? fmt(ratio, 2) : '',
        ...(opts.before && opts.peer
          ? [peer && before ? fmt(peer.median / before.median, 2) : '']
          : []),
        `${ours.sts}${peer ? ` / ${peer.sts}` : ''}`,
        `${ours.idToken}${peer ? ` / ${peer.idToken}` : ''}`,
        [
          ...ours.failures,
          ...(floor?.failures ?? []),
          ...(peer?.failures ?? []),
          ...(before?.failures ?? [])
        ]
          .join('; ')
          .slice(0, 80) || 'ok'
      ])
      results.push({
        rtt,
        flow,
        ours,
        floor,
        peer,
        before,
        ratioPeerOverOurs: ratio,
        ratioPeerOverBefore: peer && before ? peer.median / before.median : undefined,
        oursOverFloor: floor ? ours.median / floor.median : undefined
      })
    }
  }
  const headers = [
    'RTT / path',
    ...(opts.before ? ['before ms'] : []),
    'ours ms',
    'floor ms',
    'ours/floor',
    'peer ms',
    'peer/ours',
    ...(opts.before && opts.peer ? ['peer/before'] : []),
    'STS req (ours/peer)',
    'ID-token req',
    'runs'
  ]
  console.log(table(headers, rows, numericColumns(headers)))

  return { bare, results }
}

/** Prints peak RSS per path and the bytes of JS under dist/; returns the latter. */
export function printFootprint(
  opts: RttOptions,
  rss: Map<string, number>
): ReturnType<typeof distJsBytes> {
  const dist = distJsBytes()
  console.log(
    `\nPeak RSS (max of ${opts.rssRuns} runs at ${opts.rtts[0]} ms): ${[...rss].map(([k, v]) => `${k} ${fmt(v / 1024, 1)} MiB`).join(', ')}`
  )
  console.log(
    `JS under dist/: ${dist.total.toLocaleString('en')} bytes (${dist.files.map(f => `${f.file} ${f.bytes.toLocaleString('en')}`).join(', ')})`
  )

  return dist
}

export interface Budget {
  budget: string
  value: string
  pass: boolean
}

/** Checks and prints the budgets. */
export function checkBudgets(
  opts: RttOptions,
  results: Record<string, unknown>[],
  paths: Path[],
  stat: (id: string) => Stat,
  dist: ReturnType<typeof distJsBytes>
): Budget[] {
  const budgets: Budget[] = []
  if (opts.peer) {
    for (const [rtt, want] of [
      [0, 1.5],
      [20, 2.0],
      [60, 2.7]
    ] as const) {
      for (const flow of ['keys', 'oidc']) {
        const r = results.find(x => x.rtt === rtt && x.flow === flow)
        if (!r) continue
        const v = r.ratioPeerOverOurs as number
        budgets.push({
          budget: `peer/ours ≥ ${want} at ${rtt} ms, ${flow}`,
          value: fmt(v, 2),
          pass: v >= want
        })
      }
    }
  }
  const k0 = results.find(x => x.rtt === 0 && x.flow === 'keys')
  if (k0)
    budgets.push({
      budget: 'ours keys at 0 ms ≤ floor',
      value: fmt(k0.oursOverFloor as number, 2),
      pass: (k0.oursOverFloor as number) <= 1
    })
  const oursPaths = paths.filter(p => p.who === 'ours')
  budgets.push({
    budget: 'exactly 1 STS request per run, each of our paths',
    value: [...new Set(oursPaths.map(p => stat(p.id).sts))].join('/'),
    pass: oursPaths.every(p => stat(p.id).sts === '1')
  })
  budgets.push({
    // 700 kB until @actions/core's entry joined both bundles (+23 kB, docs/startup.md).
    budget: 'all JS under dist/ ≤ 710 kB',
    value: `${dist.total.toLocaleString('en')} bytes`,
    pass: dist.total <= 710_000
  })
  console.log('\nBudgets\n')
  console.log(
    table(
      ['budget', 'measured'],
      budgets.map(b => [`${b.pass ? '✓' : '✗'} ${b.budget}`, b.value]),
      new Set([1])
    )
  )
  return budgets
}

/** Everything rtt.json holds. */
export interface RttRun {
  opts: RttOptions
  nodeVersion: string
  loadAtStart: number
  bare: Stat
  results: Record<string, unknown>[]
  rss: Map<string, number>
  dist: ReturnType<typeof distJsBytes>
  budgets: Budget[]
  samples: Map<string, Sample[]>
  seconds: number
}

/** Writes bench-results/rtt.json and says so. */
export function writeRttJson(run: RttRun): void {
  const { opts, nodeVersion, loadAtStart, bare, results, rss, dist, budgets, samples } = run
  const { seconds } = run
  const raw = Object.fromEntries(
    [...samples].map(([id, list]) => [id, list.map(s => Math.round(s.ms * 10) / 10)])
  )
  const [file] = writeResults(['rtt.json'], {
    date: new Date().toISOString(),
    node: { path: opts.node, version: nodeVersion },
    options: opts,
    host: { cpus: cpus().length, loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0] } },
    bareMs: bare.median,
    results,
    peakRssKiB: Object.fromEntries(rss),
    dist,
    budgets,
    rawMs: raw,
    seconds
  })
  console.log(`Wrote ${file}.`)
}
