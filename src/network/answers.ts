/**
 * Checks every field a server answered before anything prints, writes or exports it: STS's keys,
 * token, ARN and expiration, and the ID token GitHub's endpoint returns. A server (or anything on
 * the path to it) is outside text like any input: a line break in a session token would add
 * sections to a profile file, one in an ARN would start a workflow command. A bad answer is one
 * error naming the endpoint and the rule, never the value.
 */
import { decodeProtectedHeader } from 'jose/decode/protected_header'
import { decodeJwt } from 'jose/jwt/decode'
import { isStsArn } from '../rules/arn.js'

export type Endpoint = 'STS' | "GitHub's ID-token endpoint"

/** A server answered with a field that breaks its rule; the value is not kept. */
export class BadAnswerError extends Error {
  constructor(
    readonly endpoint: Endpoint,
    readonly field: string,
    rule: string
  ) {
    super(`${endpoint} answered with an invalid ${field}: ${rule} (value not shown).`)
    this.name = 'BadAnswerError'
  }
}

/** Printable ASCII without spaces: what every AWS key, secret and token is made of. */
const PRINTABLE = /^[\x21-\x7e]+$/
/** botocore's accessKeyIdType: [\w]*, 16 to 128 characters. */
const ACCESS_KEY_ID = /^\w{16,128}$/
/** Far above real sizes (40 characters; tokens of a few kB with tags and policies). */
const MAX_SECRET_LENGTH = 1024
const MAX_TOKEN_LENGTH = 16384
/** GitHub's ID tokens are about 1 kB; a JWT is three base64url parts. */
const MAX_ID_TOKEN_LENGTH = 16384
const JWT_CHARACTERS = /^[\w-]+\.[\w-]+\.[\w-]+$/

export interface AnsweredCredentials {
  AccessKeyId?: string
  SecretAccessKey?: string
  SessionToken?: string
  Expiration?: Date
}

export interface CheckedCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
}

/** STS's temporary credentials; `undefined` fields are left to the caller's completeness check. */
export function checkCredentials(credentials: AnsweredCredentials): CheckedCredentials {
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials
  const bad = (field: string, rule: string): BadAnswerError =>
    new BadAnswerError('STS', field, rule)
  if (!AccessKeyId || !ACCESS_KEY_ID.test(AccessKeyId)) {
    throw bad('access key ID', 'it must be 16 to 128 letters, digits or underscores')
  }
  for (const [field, value, max] of [
    ['secret access key', SecretAccessKey, MAX_SECRET_LENGTH],
    ['session token', SessionToken, MAX_TOKEN_LENGTH]
  ] as const) {
    if (!value || value.length > max || !PRINTABLE.test(value)) {
      throw bad(
        field,
        `it must be 1 to ${max} printable characters without spaces, line breaks or control characters`
      )
    }
  }
  if (!(Expiration instanceof Date) || Number.isNaN(Expiration.getTime())) {
    throw bad('expiration', 'it must be a date')
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey as string,
    sessionToken: SessionToken as string,
    expiration: Expiration
  }
}

/** An assumed-role ARN (AssumeRole*) or a caller ARN (GetCallerIdentity), per STS's grammar. */
export function checkArn(arn: string, assumedRole: boolean): string {
  if (!isStsArn(arn, assumedRole)) {
    throw new BadAnswerError(
      'STS',
      assumedRole ? 'assumed-role ARN' : 'caller ARN',
      assumedRole
        ? 'it must look like arn:aws:sts::123456789012:assumed-role/ROLE/SESSION'
        : 'it must be the ARN of an IAM user, the account root, a federated user or an assumed role'
    )
  }
  return arn
}

/** The ID token: a JWT whose header and claims decode (not verified here: STS verifies it). */
export function checkIdToken(token: unknown): string {
  const bad = (rule: string): BadAnswerError =>
    new BadAnswerError("GitHub's ID-token endpoint", 'ID token', rule)
  if (typeof token !== 'string' || token === '') throw bad('the answer has no token')
  if (token.length > MAX_ID_TOKEN_LENGTH || !JWT_CHARACTERS.test(token)) {
    throw bad(`it must be a JWT: three base64url parts, at most ${MAX_ID_TOKEN_LENGTH} characters`)
  }
  try {
    const header = decodeProtectedHeader(token)
    decodeJwt(token)
    if (typeof header.alg !== 'string') throw new Error('no alg')
  } catch {
    throw bad('it must be a JWT whose header and claims are JSON objects')
  }
  return token
}
