/**
 * The preloads the benchmarks put into measured processes (never into the timed runs), with
 * `NODE_OPTIONS=--import=…`: the start-up probe (phases, HTTP timeline, RSS, CPU, builtins) and
 * the RTT bench's peak-RSS probe.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const PROBE_SOURCE = `
import { writeFileSync } from 'node:fs'
import dc from 'node:diagnostics_channel'
const now = () => performance.now()
const marks = { hook: now(), hookUs: Number(process.hrtime.bigint() / 1000n), http: [] }
const on = (channel, what) => {
  const c = dc.channel(channel)
  c.subscribe(() => {
    const t = now()
    marks.http.push([what, Math.round(t * 100) / 100])
    if (what === 'request' && marks.firstRequest === undefined) {
      marks.firstRequest = t
      marks.firstRequestUs = Number(process.hrtime.bigint() / 1000n)
    }
    if (what === 'response' && marks.firstResponse === undefined) marks.firstResponse = t
  })
  return c
}
// Held in a global so the channels cannot be collected.
globalThis.__benchProbeChannels = [
  on('http.client.request.start', 'request'),
  on('undici:request:create', 'request'),
  on('http.client.response.finish', 'response'),
  on('undici:request:headers', 'response')
]
process.on('exit', code => {
  writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify({
    ...marks,
    exit: now(),
    exitUs: Number(process.hrtime.bigint() / 1000n),
    code,
    timeOrigin: performance.timeOrigin,
    bootstrapComplete: performance.nodeTiming.bootstrapComplete,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
    memory: process.memoryUsage(),
    builtins: process.moduleLoadList.filter(m => m.startsWith('NativeModule ')).map(m => m.slice(13))
  }))
})
`

/** What the start-up probe writes to $BENCH_PROBE_FILE on 'exit'. */
export interface ProbeReport {
  hook: number
  hookUs: number
  firstRequest?: number
  firstRequestUs?: number
  firstResponse?: number
  /** ['request' | 'response', ms since timeOrigin] for every HTTP request (http and fetch). */
  http: [string, number][]
  exit: number
  exitUs: number
  code: number
  timeOrigin: number
  bootstrapComplete: number
  maxRssKiB: number
  /** User + system CPU time of the process until 'exit' (robust to a busy machine). */
  cpuMs: number
  memory: NodeJS.MemoryUsage
  /** Node's own JS modules loaded (process.moduleLoadList). */
  builtins: string[]
}

/** A probe report with the wall time of its run and the lag from spawn to the process's timeOrigin. */
export type ProbeSample = ProbeReport & { wallMs: number; originLagMs: number }

/** A preload for the RSS runs only: peak RSS of the step's own process, written on exit. */
const RSS_PROBE = `import { writeFileSync } from 'node:fs'
process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))
`

/** Writes the start-up probe into `dir`; returns its file: URL for --import. */
export function writeStartupProbe(dir: string): string {
  const file = join(dir, 'probe.mjs')
  writeFileSync(file, PROBE_SOURCE)
  return pathToFileURL(file).href
}

/** Writes the peak-RSS probe into `dir`; returns its file: URL for --import. */
export function writeRssProbe(dir: string): string {
  const file = join(dir, 'rss.mjs')
  writeFileSync(file, RSS_PROBE)
  return pathToFileURL(file).href
}
