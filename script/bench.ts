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
 * Prints the table and writes bench-results/rtt.json.
 */
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import { startDelayLink, type DelayLink } from '../test-support/delay-link.js'
import { SEED, startEmulator, type Emulator } from '../test-support/emulator/index.js'
import { MAIN_ENTRY, ROOT, spawnCollect, stepEnvironment } from '../test-support/runner.js'
import { makeThrowawayCa, startTlsFront } from '../test-support/tls-front.js'

interface Options {
  rtts: number[]
  runs: number
  warmup: number
  rssRuns: number
  node: string
  peer?: string
  before?: string
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    rtts: [0, 20, 60],
    runs: 11,
    warmup: 2,
    rssRuns: 3,
    node: process.env.ACTION_NODE || process.execPath
  }
  const whole = (flag: string, value: string | undefined, max: number): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new Error(`${flag} takes 0..${max}; got ${value}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined]
    const value = (): string | undefined => inline ?? argv[++i]
    switch (flag) {
      case '--rtt':
        opts.rtts = (value() ?? '').split(',').map(v => whole(flag, v, 500))
        break
      case '--runs':
        opts.runs = Math.max(1, whole(flag, value(), 200))
        break
      case '--warmup':
        opts.warmup = whole(flag, value(), 20)
        break
      case '--rss-runs':
        opts.rssRuns = whole(flag, value(), 20)
        break
      case '--node': {
        const path = value() ?? ''
        if (!existsSync(path)) throw new Error(`--node: no such file: ${path}`)
        opts.node = path
        break
      }
      case '--peer': {
        const dir = value() ?? ''
        if (!existsSync(join(dir, 'dist', 'index.js')) || !existsSync(join(dir, 'action.yml'))) {
          throw new Error(
            `--peer: ${dir} has no dist/index.js and action.yml (a configure-aws-credentials checkout)`
          )
        }
        opts.peer = dir
        break
      }
      case '--before': {
        const dir = value() ?? ''
        if (!existsSync(join(dir, 'dist', 'index.js')) || !existsSync(join(dir, 'action.yml'))) {
          throw new Error(`--before: ${dir} has no dist/index.js and action.yml`)
        }
        opts.before = dir
        break
      }
      case '--help':
        console.log(
          'npm run bench -- [--rtt 0,20,60] [--runs N] [--warmup N] [--node PATH] [--peer DIR] [--before DIR] [--rss-runs N]'
        )
        process.exit(0)
        break
      default:
        throw new Error(`unknown argument ${argv[i]}`)
    }
  }
  return opts
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '–')

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(headers), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** A preload for the RSS runs only: peak RSS of the step's own process, written on exit. */
const RSS_PROBE = `import { writeFileSync } from 'node:fs'
process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))
`

/** The floor: client-sts alone, bundled by ncc the default way (no tsconfig around it). */
const FLOOR_SOURCE = `import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
const env = process.env
const client = new STSClient({
  region: env['INPUT_AWS-REGION'],
  endpoint: env['INPUT_STS-ENDPOINT'],
  credentials: { accessKeyId: env['INPUT_AWS-ACCESS-KEY-ID'], secretAccessKey: env['INPUT_AWS-SECRET-ACCESS-KEY'] }
})
const out = await client.send(new AssumeRoleCommand({ RoleArn: env['INPUT_ROLE-TO-ASSUME'], RoleSessionName: 'floor' }))
if (!out.Credentials) process.exitCode = 1
`

async function buildFloor(dir: string): Promise<string> {
  writeFileSync(join(dir, 'floor.mjs'), FLOOR_SOURCE)
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  const ncc = join(ROOT, 'node_modules', '.bin', 'ncc')
  const out = join(dir, 'floor-dist')
  // Run from its own folder: ncc would otherwise apply this repository's tsconfig.json paths.
  const r = await new Promise<{ code: number | null; stderr: string }>(resolve => {
    const child = spawn(ncc, ['build', 'floor.mjs', '-o', out, '-m', '-q'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    child.on('close', code => resolve({ code, stderr }))
  })
  if (r.code !== 0) throw new Error(`building the floor bundle failed: ${r.stderr}`)
  return join(out, 'index.mjs')
}

type Who = 'ours' | 'before' | 'peer' | 'floor' | 'bare'
interface Path {
  id: string
  who: Who
  flow: 'keys' | 'oidc' | 'none'
  rtt: number
  entry: string
  env: Record<string, string>
}

/** The step's environment as the runner builds it, with `inputs` and the defaults of `actionYml`. */
function peerEnvironment(
  jobDir: string,
  actionYml: string,
  inputs: Record<string, string>,
  extra: Record<string, string>
): Record<string, string> {
  const { env } = stepEnvironment(jobDir, {}, extra)
  for (const name of Object.keys(env))
    if (name.startsWith('INPUT_')) Reflect.deleteProperty(env, name)
  const declared = (
    parse(readFileSync(actionYml, 'utf8')) as { inputs: Record<string, { default?: unknown }> }
  ).inputs
  const all: Record<string, string> = {}
  for (const [name, input] of Object.entries(declared))
    if (input.default !== undefined) all[name] = String(input.default)
  Object.assign(all, inputs)
  for (const [name, value] of Object.entries(all))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  return env
}

function distJsBytes(): { files: { file: string; bytes: number }[]; total: number } {
  const files: { file: string; bytes: number }[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name)
      if (e.isDirectory()) walk(full)
      else if (e.name.endsWith('.js'))
        files.push({ file: relative(ROOT, full), bytes: statSync(full).size })
    }
  }
  walk(join(ROOT, 'dist'))
  return { files, total: files.reduce((a, f) => a + f.bytes, 0) }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2))
  const started = performance.now()
  const tmp = mkdtempSync(join(tmpdir(), 'bench-rtt-'))
  const ca = makeThrowawayCa()
  const closers: (() => Promise<void> | void)[] = [
    () => ca.remove(),
    () => rmSync(tmp, { recursive: true, force: true })
  ]
  try {
    const nodeVersion = (await spawnCollect(opts.node, ['--version'], {}, 10_000)).stdout.trim()
    const loadAtStart = loadavg()[0]
    console.log(
      `bench: ${opts.node} (${nodeVersion}); RTTs ${opts.rtts.join(', ')} ms; ${opts.runs} runs after ${opts.warmup} warm-up rounds; load ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs`
    )
    const floorEntry = await buildFloor(mkdtempSync(join(tmp, 'floor-')))
    writeFileSync(join(tmp, 'empty.mjs'), '')
    writeFileSync(join(tmp, 'rss.mjs'), RSS_PROBE)

    const emu: Emulator = await startEmulator()
    closers.unshift(() => emu.close())
    const front = await startTlsFront(ca, emu.port)
    closers.unshift(() => front.close())
    const links = new Map<number, { sts: DelayLink; github: DelayLink }>()
    for (const rtt of opts.rtts) {
      const sts = await startDelayLink(front.port, rtt)
      closers.unshift(() => sts.close())
      const github = await startDelayLink(front.port, rtt)
      closers.unshift(() => github.close())
      links.set(rtt, { sts, github })
    }
    const oidcPath = new URL(emu.oidcRequestUrl)

    const paths: Path[] = [
      { id: 'bare', who: 'bare', flow: 'none', rtt: 0, entry: join(tmp, 'empty.mjs'), env: {} }
    ]
    const whos: Who[] = [
      'ours',
      'floor',
      ...(opts.before ? (['before'] as const) : []),
      ...(opts.peer ? (['peer'] as const) : [])
    ]
    for (const rtt of opts.rtts) {
      for (const who of whos) {
        for (const flow of who === 'floor' ? (['keys'] as const) : (['keys', 'oidc'] as const)) {
          paths.push({
            id: `${who}-${flow}-${rtt}`,
            who,
            flow,
            rtt,
            entry: {
              ours: MAIN_ENTRY,
              floor: floorEntry,
              before: join(opts.before ?? '', 'dist', 'index.js'),
              peer: join(opts.peer ?? '', 'dist', 'index.js'),
              bare: ''
            }[who],
            env: {}
          })
        }
      }
    }

    const stepEnv = (
      p: Path,
      jobDir: string,
      extra: Record<string, string>
    ): Record<string, string> => {
      const base = { NODE_EXTRA_CA_CERTS: ca.caFile, ...extra }
      if (p.who === 'bare') return stepEnvironment(jobDir, {}, base).env
      const link = links.get(p.rtt)
      if (!link) throw new Error(`no link for ${p.rtt}`)
      const stsEndpoint = `https://127.0.0.1:${link.sts.port}`
      const inputs: Record<string, string> = {
        'aws-region': SEED.region,
        'sts-endpoint': stsEndpoint
      }
      const env: Record<string, string> = { ...base }
      if (p.flow === 'keys') {
        Object.assign(inputs, {
          'role-to-assume': SEED.roles.deploy,
          'aws-access-key-id': SEED.user.accessKeyId,
          'aws-secret-access-key': SEED.user.secretAccessKey
        })
      } else {
        inputs['role-to-assume'] = SEED.roles.githubDeploy
        env.ACTIONS_ID_TOKEN_REQUEST_URL = `https://127.0.0.1:${link.github.port}${oidcPath.pathname}${oidcPath.search}`
        env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken
      }
      if (p.who === 'ours') return stepEnvironment(jobDir, inputs, env).env
      if (p.who === 'before')
        return peerEnvironment(jobDir, join(opts.before ?? '', 'action.yml'), inputs, env)
      if (p.who === 'peer')
        return peerEnvironment(jobDir, join(opts.peer ?? '', 'action.yml'), inputs, env)
      const asInputs = Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])
      return stepEnvironment(jobDir, {}, { ...env, ...Object.fromEntries(asInputs) }).env
    }

    interface Sample {
      ms: number
      sts: number
      idToken: number
      problem?: string
    }
    const runOnce = async (p: Path, extra: Record<string, string> = {}): Promise<Sample> => {
      const jobDir = mkdtempSync(join(tmp, 'job-'))
      try {
        const env = stepEnv(p, jobDir, extra)
        emu.resetStats()
        const t0 = performance.now()
        const r = await spawnCollect(opts.node, [p.entry], env, 30_000)
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

    const samples = new Map<string, Sample[]>(paths.map(p => [p.id, []]))
    for (let round = 0; round < opts.warmup + opts.runs; round++) {
      // Alternate the order every round as well, so no path always follows the same one.
      const order = round % 2 ? [...paths].reverse() : paths
      for (const p of order) {
        const s = await runOnce(p)
        if (round >= opts.warmup) samples.get(p.id)?.push(s)
      }
    }

    const rssFile = join(tmp, 'rss.txt')
    const rss = new Map<string, number>()
    for (const p of paths.filter(x => x.rtt === opts.rtts[0])) {
      const kib: number[] = []
      for (let i = 0; i < opts.rssRuns; i++) {
        rmSync(rssFile, { force: true })
        const s = await runOnce(p, {
          NODE_OPTIONS: `--import=${pathToFileURL(join(tmp, 'rss.mjs')).href}`,
          BENCH_RSS_FILE: rssFile
        })
        if (!s.problem && existsSync(rssFile)) kib.push(Number(readFileSync(rssFile, 'utf8')))
      }
      rss.set(`${p.who}-${p.flow}`, Math.max(...kib))
    }

    const stat = (
      id: string
    ): { median: number; sts: string; idToken: string; failures: string[]; runs: number } => {
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
    console.log(
      table(
        [
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
        ],
        rows
      )
    )

    const dist = distJsBytes()
    console.log(
      `\nPeak RSS (max of ${opts.rssRuns} runs at ${opts.rtts[0]} ms): ${[...rss].map(([k, v]) => `${k} ${fmt(v / 1024, 1)} MiB`).join(', ')}`
    )
    console.log(
      `JS under dist/: ${dist.total.toLocaleString('en')} bytes (${dist.files.map(f => `${f.file} ${f.bytes.toLocaleString('en')}`).join(', ')})`
    )

    const budgets: { budget: string; value: string; pass: boolean }[] = []
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
      budget: 'all JS under dist/ ≤ 700 kB',
      value: `${dist.total.toLocaleString('en')} bytes`,
      pass: dist.total <= 700_000
    })
    console.log('\nBudgets\n')
    console.log(
      table(
        ['budget', 'measured'],
        budgets.map(b => [`${b.pass ? '✓' : '✗'} ${b.budget}`, b.value])
      )
    )
    const seconds = (performance.now() - started) / 1000
    console.log(
      `\nLoad average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; took ${seconds.toFixed(0)} s.`
    )

    const outDir = join(ROOT, 'bench-results')
    mkdirSync(outDir, { recursive: true })
    const raw = Object.fromEntries(
      [...samples].map(([id, list]) => [id, list.map(s => Math.round(s.ms * 10) / 10)])
    )
    writeFileSync(
      join(outDir, 'rtt.json'),
      JSON.stringify(
        {
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
        },
        null,
        2
      )
    )
    console.log(`Wrote ${relative(ROOT, join(outDir, 'rtt.json'))}.`)
  } finally {
    for (const close of closers) await close()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exitCode = 1
})
