/**
 * What a user waits for (`npm run bench`; a script that prints figures, not a test): the main step
 * spawned as the runner spawns it, over HTTPS, through a loopback link with a real round-trip time.
 *
 *   npm run bench -- [--rtt 0,20,60] [--runs N] [--warmup N] [--node PATH] [--peer DIR] [--before DIR]
 *                    [--rss-runs N]
 *
 * - HTTPS: a throwaway CA (NODE_EXTRA_CA_CERTS) and a TLS front for the in-process emulator.
 * - Round trips: one delay link per RTT and per host (STS, GitHub's ID-token endpoint), each
 *   direction delayed by RTT/2 and a new connection's first byte by one more RTT (the TCP handshake).
 * - Paths: ours keys→role and OIDC→role; the "floor" (an ncc bundle of @aws-sdk/client-sts that
 *   creates an STSClient and sends one AssumeRole, nothing else); `node empty.mjs`; and, with
 *   --peer DIR (a checkout of aws-actions/configure-aws-credentials), its committed dist/ on the same
 *   two paths; with --before DIR (this action at an earlier commit: its dist/ and action.yml),
 *   that build too, so a change is measured against its predecessor in the same run. Runs alternate round-robin over every path and RTT so drift hits all alike;
 *   medians after warm-up.
 * - Counts STS and ID-token requests per run (the emulator's counters), peak RSS (a preload writes
 *   process.resourceUsage().maxRSS on exit, in separate runs), bytes of JS under dist/.
 * Node: --node, else $ACTION_NODE, else the node running this script. GitHub runs actions on node24.
 * Everything listens on 127.0.0.1 and is closed at the end; every child is bounded by a timeout.
 * Prints the table and writes bench-results/rtt.json. The pieces live beside this file (network,
 * floor, paths, runs, report); `npm run bench:startup` (script/bench/startup.ts) is the start-up
 * benchmark.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnCollect } from '../../test-support/runner.js'
import { Closers } from './cleanup.js'
import { buildFloor } from './floor.js'
import { makeCa, startNetwork } from './network.js'
import { writeRssProbe } from './probe.js'
import { parseRttArgs } from './rtt-options.js'
import { buildPaths } from './rtt-paths.js'
import { checkBudgets, printFootprint, printWall, statOf, writeRttJson } from './rtt-report.js'
import { RttRuns } from './rtt-runs.js'

async function main(): Promise<void> {
  const opts = parseRttArgs(process.argv.slice(2))
  const started = performance.now()
  const closers = new Closers()
  const tmp = mkdtempSync(join(tmpdir(), 'bench-rtt-'))
  closers.add(() => rmSync(tmp, { recursive: true, force: true }))
  const ca = makeCa(closers)
  try {
    const nodeVersion = (await spawnCollect(opts.node, ['--version'], {}, 10_000)).stdout.trim()
    const loadAtStart = loadavg()[0]
    console.log(
      `bench: ${opts.node} (${nodeVersion}); RTTs ${opts.rtts.join(', ')} ms; ${opts.runs} runs after ${opts.warmup} warm-up rounds; load ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs`
    )

    // Set-up: the floor bundle, bare node's empty module, the RSS probe, the network.
    const floorEntry = await buildFloor(mkdtempSync(join(tmp, 'floor-')))
    const emptyModule = join(tmp, 'empty.mjs')
    writeFileSync(emptyModule, '')
    const rssProbeUrl = writeRssProbe(tmp)
    const net = await startNetwork(ca, opts.rtts, closers)
    const paths = buildPaths(opts, emptyModule, floorEntry)

    // Runs: timed rounds, then peak RSS.
    const runs = new RttRuns(opts, net, tmp)
    const samples = await runs.timed(paths)
    const rss = await runs.peakRss(paths, rssProbeUrl)

    // Report.
    const stat = statOf(samples)
    const { bare, results } = printWall(opts, nodeVersion, stat)
    const dist = printFootprint(opts, rss)
    const budgets = checkBudgets(opts, results, paths, stat, dist)
    const seconds = (performance.now() - started) / 1000
    console.log(
      `\nLoad average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; took ${seconds.toFixed(0)} s.`
    )

    writeRttJson({
      opts,
      nodeVersion,
      loadAtStart,
      bare,
      results,
      rss,
      dist,
      budgets,
      samples,
      seconds
    })
  } finally {
    await closers.closeAll()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exitCode = 1
})
