/** Statistics and number formatting shared by the benchmarks: medians, percentiles, cells. */

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)

/** Median; NaN for no samples. */
export function median(xs: number[]): number {
  const s = sorted(xs)
  const m = s.length >> 1
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Nearest-rank percentile. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = sorted(xs)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

/** A number with `digits` decimals, '–' when there is none. */
export const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '–')
export const ms = (x: number): string => fmt(x, 1)
export const x2 = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–')
export const mib = (kib: number): string => (kib / 1024).toFixed(1)
export const mark = (ok: boolean): string => (ok ? '✓' : '✗')
