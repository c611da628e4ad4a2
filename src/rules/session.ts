/** Rules for what names a session: role-session-name, source-identity, role-external-id, audience. */
import { InputError, hasControlCharacter, quote } from './input-error.js'

/** STS's pattern for role session names and source identities. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/

export function parseSessionName(input: string, value: string): string {
  if (!SESSION_NAME.test(value)) {
    throw new InputError(
      input,
      `must be 2 to 64 characters of letters, digits and +=,.@_-; got ${quote(value)}.`
    )
  }
  return value
}

export function parseSourceIdentity(input: string, value: string): string {
  parseSessionName(input, value)
  if (value.toLowerCase().startsWith('aws:')) {
    throw new InputError(input, `must not start with "aws:" (reserved by AWS).`)
  }
  return value
}

/** The external ID is a shared secret of sorts between accounts: it is never quoted back. */
export function parseExternalId(input: string, value: string): string {
  if (!EXTERNAL_ID.test(value)) {
    throw new InputError(
      input,
      `must be 2 to 1224 characters of letters, digits and +=,.@:/_- (value not shown).`
    )
  }
  return value
}

/** The OIDC audience goes into a URL query and the token's aud claim. */
export function parseAudience(input: string, value: string): string {
  if (value.length > 255 || /\s/.test(value) || hasControlCharacter(value)) {
    throw new InputError(
      input,
      `must be at most 255 characters without spaces; got ${quote(value)}.`
    )
  }
  return value
}
