/** Rules for profile names (aws-profile) and role-profiles (`PROFILE=ROLE_ARN key=value…` lines). */
import { InputError, quote } from './input-error.js'

/** Profile names become INI section headers: no brackets, spaces or line breaks. */
const PROFILE_NAME = /^[A-Za-z0-9_.@+-]{1,64}$/

export interface RoleProfileLine {
  profile: string
  roleArn: string
  region?: string
  duration?: string
  externalId?: string
}

const OPTIONS = new Set(['region', 'duration', 'external-id'])

export function parseProfileName(input: string, value: string): string {
  if (!PROFILE_NAME.test(value)) {
    throw new InputError(
      input,
      `must name a profile with 1 to 64 letters, digits and _.@+-; got ${quote(value)}.`
    )
  }
  return value
}

/**
 * `role-profiles`: one role per line, `PROFILE=ROLE_ARN` then optional `key=value` words
 * (region, duration, external-id). Blank lines and lines starting with # are skipped.
 */
export function parseRoleProfiles(input: string, text: string): RoleProfileLine[] {
  const lines = text
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
  const seen = new Set<string>()
  return lines.map((line, index) => {
    const [head = '', ...words] = line.split(/\s+/)
    const at = `line ${index + 1}`
    const equals = head.indexOf('=')
    if (equals <= 0) {
      throw new InputError(input, `${at} must start with PROFILE=ROLE_ARN; got ${quote(head)}.`)
    }
    const profile = parseProfileName(input, head.slice(0, equals))
    if (seen.has(profile)) throw new InputError(input, `names profile ${quote(profile)} twice.`)
    seen.add(profile)
    const entry: RoleProfileLine = { profile, roleArn: head.slice(equals + 1) }
    for (const word of words) {
      const split = word.indexOf('=')
      const key = split > 0 ? word.slice(0, split) : word
      if (!OPTIONS.has(key)) {
        // Only a plain option name is quoted: a mistyped `external-id:VALUE` must not echo the ID.
        const shown = /^[a-z-]{1,20}$/.test(key) ? quote(key) : 'an unknown option (not shown)'
        throw new InputError(
          input,
          `${at} has ${shown}; the options are region=, duration= and external-id=.`
        )
      }
      const value = word.slice(split + 1)
      if (key === 'region') entry.region = value
      if (key === 'duration') entry.duration = value
      if (key === 'external-id') entry.externalId = value
    }
    return entry
  })
}
