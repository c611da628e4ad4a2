/** The rule for whole-number inputs (durations, attempts, timeouts). */
import { InputError, quote } from './input-error.js'

/**
 * Whole numbers are plain decimal digits: no sign, spaces, exponent (1e3), hex (0x384) or
 * fraction, which Number() would quietly accept and turn into something the user did not write.
 * `raw` is the untrimmed input.
 */
export function parseWholeNumber(
  input: string,
  raw: string,
  range: { min: number; max: number },
  unit = ''
): number {
  const suffix = unit ? ` ${unit}` : ''
  const rule = `must be a whole number from ${range.min} to ${range.max}${suffix}`
  if (!/^\d{1,9}$/.test(raw)) {
    throw new InputError(input, `${rule}, written with digits only; got ${quote(raw)}.`)
  }
  const value = Number(raw)
  if (value < range.min || value > range.max) {
    throw new InputError(input, `${rule}; got ${value}.`)
  }
  return value
}
