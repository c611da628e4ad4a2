/** Rules for list inputs: how they split, and account IDs. */
import { InputError, quote } from './input-error.js'

/** Items of a list input, one per line or comma-separated; blank items are dropped. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map(item => item.trim())
    .filter(item => item !== '')
}

/** Account IDs are exactly 12 digits. */
export function parseAccountIds(input: string, value: string): string[] {
  const ids = splitList(value)
  for (const id of ids) {
    if (!/^\d{12}$/.test(id)) {
      throw new InputError(input, `must list 12-digit account IDs; ${quote(id)} is not one.`)
    }
  }
  return ids
}
