/** Report output shared by the benchmarks: aligned text tables and bench-results/ JSON files. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from '../../test-support/runner.js'

/** A plain-text table; columns in `rightAlign` are padded on the left. */
export function table(headers: string[], rows: string[][], rightAlign = new Set<number>()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(headers), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** Every column but the first, right-aligned. */
export const numericColumns = (headers: string[]): Set<number> =>
  new Set(headers.map((_, i) => i).filter(i => i > 0))

/** Writes `data` as JSON to each named file under bench-results/; returns their paths from ROOT. */
export function writeResults(names: string[], data: unknown): string[] {
  const outDir = join(ROOT, 'bench-results')
  mkdirSync(outDir, { recursive: true })
  const json = JSON.stringify(data, null, 2)
  return names.map(name => {
    writeFileSync(join(outDir, name), json)
    return relative(ROOT, join(outDir, name))
  })
}
