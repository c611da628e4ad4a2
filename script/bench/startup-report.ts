/**
 * The start-up bench's report: wall-time table, in-process phases and RSS, dist/ sizes and the
 * CPU-profile tables, printed as the bench has always printed them.
 */
import { mainModuleBreakdown, type ProfileSummary } from './cpu-profile.js'
import { distFiles } from './dist.js'
import type { ProbeSample } from './probe.js'
import { table } from './report.js'
import { median, mib, ms, percentile, x2 } from './stats.js'
import type { StartupOptions } from './startup-options.js'
import type { RunSample, Scenario } from './startup-scenarios.js'

/** Per scenario: median, p90, min, max of the successful timed runs, and the requests per run. */
export function summarise(scenarios: Scenario[], samples: Map<string, RunSample[]>) {
  return scenarios.map(s => {
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
}

export type WallSummary = ReturnType<typeof summarise>[number]

/** Each scenario's median over bare node's. */
export function ratioToBare(summary: WallSummary[]): (id: string) => number {
  const byId = (id: string): (typeof summary)[number] => {
    const found = summary.find(s => s.id === id)
    if (!found) throw new Error(id)
    return found
  }
  const bare = byId('bare')
  const ratio = (id: string): number => byId(id).medianMs / bare.medianMs
  return ratio
}

export function printWall(summary: WallSummary[], opts: StartupOptions, nodeVersion: string): void {
  const bare = summary.find(s => s.id === 'bare')
  if (!bare) throw new Error('bare')
  console.log(
    `\nWall time, spawn → exit (${opts.runs} runs each, interleaved; ${nodeVersion} at ${opts.node})\n`
  )
  console.log(
    table(
      ['step', 'median ms', 'p90 ms', 'min ms', '× bare', 'STS req/run', 'ID-token req/run', 'ok'],
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
}

/** Phases and RSS from the probe runs (medians), with GNU time's %M where measured. */
export function phaseRowsOf(
  scenarios: Scenario[],
  probes: Map<string, ProbeSample[]>,
  timeRss: Map<string, number[]>
) {
  return [...probes].map(([id, list]) => {
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
}

export type PhaseRow = ReturnType<typeof phaseRowsOf>[number]

/** Prints the phases table, the load cost, HTTP timelines and builtins; returns the builtins. */
export function printPhases(
  phaseRows: PhaseRow[],
  probes: Map<string, ProbeSample[]>,
  opts: StartupOptions
): Record<string, string[]> {
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
  const loadCost = (phase('invalid')?.toExitEventMs ?? NaN) - (phase('bare')?.toExitEventMs ?? NaN)
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
  return builtinsLoaded
}

/** Prints the files under dist/ and the largest modules of dist/index.js. */
export function printDist() {
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

  return { files, jsTotal, modulesBySize }
}

export function printProfiles(profiles: ProfileSummary[]): void {
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
}
