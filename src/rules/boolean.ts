/** The rule for boolean inputs. */
import { InputError, quote } from './input-error.js'

/** Booleans are exactly true or false in any case; empty means the default. */
export function parseBoolean(input: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback
  const lower = value.toLowerCase()
  if (lower === 'true') return true
  if (lower === 'false') return false
  throw new InputError(input, `must be true or false; got ${quote(value)}.`)
}
