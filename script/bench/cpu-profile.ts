/**
 * CPU-profile summary for the start-up bench: a --cpu-prof profile's self time by category,
 * function and ncc module of dist/index.js (split at the first HTTP request), and the bundle's
 * modules by size.
 */
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MAIN_ENTRY, ROOT } from '../../test-support/runner.js'

interface CpuProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  path: string
  /** HTTP requests/responses seen by the probe, ms since timeOrigin. */
  http?: [string, number][]
  totalMs: number
  startupMs?: number
  categories: { category: string; ms: number; startupMs: number }[]
  topFunctions: { fn: string; where: string; ms: number; snippet: string }[]
  topModules: { module: string; ms: number; bytes: number; hint: string }[]
}

/** Offsets of ncc's module factories (`1695:(t,n,s)=>{`) in a minified bundle, for attribution. */
function moduleTable(source: string): { id: string; start: number; end: number }[] {
  const runtime = source.indexOf('function __nccwpck_require__(')
  const limit = runtime < 0 ? source.length : runtime
  const starts: { id: string; start: number }[] = []
  const re = /[{,](\d{1,6}):(?:\([\w$,]*\)=>\{|function\()/g
  for (let m = re.exec(source); m && m.index < limit; m = re.exec(source)) {
    starts.push({ id: m[1], start: m.index })
  }
  const table = starts.map((s, i) => ({ ...s, end: starts[i + 1]?.start ?? limit }))
  // After the module object: ncc's runtime, then the entry (src/ and the ESM packages it
  // imports, concatenated by webpack).
  if (runtime >= 0) table.push({ id: 'runtime+entry', start: runtime, end: source.length })
  return table
}

/** A readable hint of what an ncc module is: its exported names or first identifiers. */
function moduleHint(text: string): string {
  const pkg =
    /["'](@(?:aws-sdk|smithy|actions|aws-crypto)\/[\w-]+|jose|undici|tslib|uuid)["'/]/.exec(text)
  const exportsList = /\.d\([\w$]+,\{([\w$]+):/.exec(text)
  const destructure = /const\{([\w$]+):/.exec(text)
  return [pkg?.[1], exportsList?.[1] ?? destructure?.[1], text.slice(0, 40).replace(/\s+/g, ' ')]
    .filter(Boolean)
    .join(' | ')
}

function offsetOf(source: string, line: number, column: number): number {
  let offset = 0
  for (let l = 0; l < line; l++) {
    const nl = source.indexOf('\n', offset)
    if (nl < 0) break
    offset = nl + 1
  }
  return offset + column
}

/** Categories under 1 ms folded into one row. */
function collapse(
  rows: { category: string; ms: number; startupMs: number }[]
): { category: string; ms: number; startupMs: number }[] {
  const big = rows.filter(r => r.ms >= 1).sort((a, b) => b.ms - a.ms)
  const small = rows.filter(r => r.ms < 1)
  if (small.length) {
    big.push({
      category: `${small.length} more, under 1 ms each`,
      ms: small.reduce((a, r) => a + r.ms, 0),
      startupMs: small.reduce((a, r) => a + r.startupMs, 0)
    })
  }
  return big
}

export function summariseProfile(
  file: string,
  startupEndUs: number | undefined,
  label: string
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const sources = new Map<string, string>()
  const sourceOf = (url: string): string | undefined => {
    if (!url.startsWith('file://')) return undefined
    if (!sources.has(url)) {
      try {
        sources.set(url, readFileSync(new URL(url), 'utf8'))
      } catch {
        sources.set(url, '')
      }
    }
    return sources.get(url)
  }
  const mainUrl = pathToFileURL(MAIN_ENTRY).href
  const mainSource = sourceOf(mainUrl) ?? ''
  const modules = moduleTable(mainSource)
  const moduleAt = (offset: number): (typeof modules)[number] | undefined => {
    let lo = 0
    let hi = modules.length - 1
    let found: (typeof modules)[number] | undefined
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (modules[mid].start <= offset) {
        found = modules[mid]
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  const category = (n: CpuProfileNode): string => {
    const { url, functionName } = n.callFrame
    if (!url) {
      if (functionName === '(garbage collector)') return 'GC'
      if (functionName === '(idle)') return 'idle (waiting: network, timers)'
      if (functionName === '(program)') return 'V8/native, unattributed'
      return 'native bindings (fs, crypto, …)'
    }
    if (functionName === 'compileSourceTextModule')
      return 'compile dist/*.js as ES modules (pre-parse of the whole file)'
    if (functionName === 'compileForInternalLoader')
      return 'compile node builtins the code requires (http, crypto, …)'
    if (url.startsWith('node:internal/modules/')) return 'node module loader (other)'
    if (url.includes('undici')) return 'node undici (fetch)'
    if (url.startsWith('node:')) return 'node internals (other)'
    if (url === mainUrl && functionName === '__nccwpck_require__')
      return 'dist/index.js __nccwpck_require__ (lazy compile of module factories)'
    if (url === mainUrl) return 'dist/index.js (running)'
    if (url.startsWith(pathToFileURL(join(ROOT, 'dist')).href))
      return `bundle ${relative(ROOT, new URL(url).pathname)}`
    return url
  }

  const self = new Map<number, { ms: number; startupMs: number }>()
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    const next = i + 1 < profile.samples.length ? (profile.timeDeltas[i + 1] ?? 0) : 0
    const entry = self.get(profile.samples[i]) ?? { ms: 0, startupMs: 0 }
    entry.ms += next / 1000
    if (startupEndUs === undefined || t < startupEndUs) entry.startupMs += next / 1000
    self.set(profile.samples[i], entry)
  }

  const categories = new Map<string, { ms: number; startupMs: number }>()
  const functions = new Map<string, { fn: string; where: string; ms: number; snippet: string }>()
  const perModule = new Map<string, number>()
  for (const [id, time] of self) {
    const node = byId.get(id)
    if (!node) continue
    const c = category(node)
    const agg = categories.get(c) ?? { ms: 0, startupMs: 0 }
    agg.ms += time.ms
    agg.startupMs += time.startupMs
    categories.set(c, agg)
    const { functionName, url, lineNumber, columnNumber } = node.callFrame
    const where = url
      ? `${url.startsWith('file://') ? relative(ROOT, new URL(url).pathname) : url}:${lineNumber + 1}:${columnNumber + 1}`
      : ''
    const key = `${functionName}@${where}`
    const src = sourceOf(url)
    let snippet = ''
    if (src) {
      const offset = offsetOf(src, lineNumber, columnNumber)
      snippet = src.slice(offset, offset + 60).replace(/\s+/g, ' ')
      if (url === mainUrl) {
        const m = functionName === '__nccwpck_require__' ? undefined : moduleAt(offset)
        const mod = m ? `module ${m.id}` : '__nccwpck_require__'
        perModule.set(mod, (perModule.get(mod) ?? 0) + time.ms)
      }
    }
    const f = functions.get(key) ?? { fn: functionName || '(anonymous)', where, ms: 0, snippet }
    f.ms += time.ms
    functions.set(key, f)
  }
  return {
    path: label,
    totalMs: (profile.endTime - profile.startTime) / 1000,
    startupMs: startupEndUs === undefined ? undefined : (startupEndUs - profile.startTime) / 1000,
    categories: collapse([...categories].map(([category, v]) => ({ category, ...v }))),
    topFunctions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, 15),
    topModules: [...perModule]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([module, time]) => {
        const m = modules.find(x => `module ${x.id}` === module)
        return {
          module,
          ms: time,
          bytes: m ? m.end - m.start : 0,
          hint: m ? moduleHint(mainSource.slice(m.start + 1, m.end)) : ''
        }
      })
  }
}

/** The ncc modules of dist/index.js by size (hints are heuristics: exported names, first bytes). */
export function mainModuleBreakdown(): { id: string; bytes: number; hint: string }[] {
  const source = readFileSync(MAIN_ENTRY, 'utf8')
  return moduleTable(source)
    .map(m => ({
      id: m.id,
      bytes: m.end - m.start,
      hint: moduleHint(source.slice(m.start + 1, m.end))
    }))
    .sort((a, b) => b.bytes - a.bytes)
}
