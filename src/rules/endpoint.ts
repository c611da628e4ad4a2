import { InputError, hasControlCharacter, quote } from './input-error.js'
import { partitionOfRegion } from './region.js'

/** An http(s) URL without user:password (which would end up in logs and errors). */
export function parseStsEndpoint(input: string, value: string): string {
  // URL parsing silently drops tabs and line breaks; the value we pass on must be what was checked.
  if (/\s/.test(value) || hasControlCharacter(value)) {
    throw new InputError(input, `must be an http:// or https:// URL; got ${quote(value)}.`)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(input, `must be an http:// or https:// URL; got ${quote(value)}.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(input, `must be an http:// or https:// URL; got ${quote(value)}.`)
  }
  if (url.username || url.password) {
    throw new InputError(
      input,
      `must not carry a user name or password in the URL (value not shown).`
    )
  }
  return value
}

/** STS in one partition cannot assume a role of another: aws-cn roles need a cn-* region. */
export function parsePartitionMatch(input: string, partition: string, region: string): void {
  const expected = partitionOfRegion(region)
  if (partition !== expected) {
    throw new InputError(
      input,
      `is in partition ${partition} but aws-region ${region} is in ${expected}; use a region of the role's partition.`
    )
  }
}
