/**
 * Start-up benchmark of the committed bundles (`npm run bench:startup`; not a test): phases, CPU
 * profiles and RSS on plain HTTP; `npm run bench` (script/bench/rtt.ts) is the HTTPS round-trip
 * benchmark. The pieces live beside this file (scenarios, runs, probe, CPU profile, report).
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
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from '../../test-support/emulator/index.js'
import { MAIN_ENTRY, ROOT, spawnCollect, type StepOptions } from '../../test-support/runner.js'
import { writeStartupProbe } from './probe.js'
import { checkBudgets, printAuxFailures, writeStartupJson } from './startup-budgets.js'
import { parseStartupArgs } from './startup-options.js'
import {
  phaseRowsOf,
  printDist,
  printPhases,
  printProfiles,
  printWall,
  ratioToBare,
  summarise
} from './startup-report.js'
import { StartupRuns } from './startup-runs.js'
import { buildScenarios } from './startup-scenarios.js'

const sha256 = (file: string): string =>
  createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)

async function main(): Promise<void> {
  const opts = parseStartupArgs(process.argv.slice(2))
  const benchStarted = performance.now()
  const tmp = mkdtempSync(join(tmpdir(), 'bench-'))
  const emptyModule = join(tmp, 'empty.mjs')
  writeFileSync(emptyModule, '')
  const probeUrl = writeStartupProbe(tmp)

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
    // Runs: timed round-robin, then (at 0 ms) the probe, GNU time and CPU-profile runs.
    const base: StepOptions = { node: opts.node, timeoutMs: 30_000 }
    const scenarios = await buildScenarios(emu, base, tmp, emptyModule)
    const runs = new StartupRuns(opts, emu, base, tmp, probeUrl)
    const samples = await runs.timed(scenarios)
    const zeroLatency = scenarios.filter(x => x.latencyMs === 0)
    const probes = await runs.probed(zeroLatency)
    const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
    const timeRss = gnuTime ? await runs.gnuTimeRss(gnuTime, zeroLatency) : new Map()
    const profiles = opts.profile
      ? await runs.profiled(scenarios, ['keys-0', 'oidc-0', 'invalid'])
      : []

    // Report: tables, budgets, then the JSON.
    const summary = summarise(scenarios, samples)
    const ratio = ratioToBare(summary)
    printWall(summary, opts, nodeVersion)
    const phaseRows = phaseRowsOf(scenarios, probes, timeRss)
    const builtinsLoaded = printPhases(phaseRows, probes, opts)
    const { files, jsTotal, modulesBySize } = printDist()
    printProfiles(profiles)
    const { budgets, peakRssKiB } = checkBudgets(summary, phaseRows, ratio, jsTotal, nodeVersion)
    printAuxFailures(runs.auxFailures)
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

    writeStartupJson({
      opts,
      nodeVersion,
      loadAtStart,
      distAtStart,
      postAtStart,
      distChanged,
      files,
      jsTotal,
      modulesBySize,
      summary,
      ratio,
      phaseRows,
      auxFailures: runs.auxFailures,
      builtinsLoaded,
      peakRssKiB,
      profiles,
      budgets,
      totalS
    })
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
