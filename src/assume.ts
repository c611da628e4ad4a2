/**
 * From the plan to a session: get the source identity, then make the one STS call its kind needs
 * (two only when a bare role name must be resolved to the caller's account).
 */
import type { AwsCredentialIdentity } from '@smithy/types'
import { accountOfArn, roleArnInCallerAccount } from './rules/arn.js'
import { TransientOnlyRetry } from './retry.js'
import { debug, info } from './runner.js'
import type { Settings } from './settings.js'
import { fromAccessKeys } from './sources/access-keys.js'
import { fromEnvironment } from './sources/environment.js'
import { fetchIdToken, tokenExpiry } from './sources/github-oidc.js'
import { fromTokenFile } from './sources/token-file.js'
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  createStsClient,
  getCallerIdentity,
  type Session
} from './sts.js'

/** Each attempt gets at most this long; a stalled connection must not eat the whole budget. */
const ATTEMPT_TIMEOUT_MS = 10_000
/** A fresh token is fetched when the old one has less than this left. */
const TOKEN_EXPIRY_MARGIN_S = 30
/** How many fresh ID tokens one run may fetch when STS says the previous one expired. */
const MAX_TOKEN_FETCHES = 3
/** Re-assumes allowed by special-characters-workaround; each is a full AssumeRole call. */
const MAX_SPECIAL_CHARACTER_TRIES = 12

export interface Outcome {
  session: Session
  /** What the session was obtained with, for the log and for diagnosis. */
  via: 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'source credentials'
}

/** What a failure can be explained with: the source used and the token's claims, if any. */
export interface AttemptRecord {
  idToken?: string
  roleArn?: string
  callerArn?: string
}

export async function obtainSession(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  record: AttemptRecord
): Promise<Outcome> {
  const attemptTimeoutMs = attemptTimeout(settings)
  const retry = (what: string): TransientOnlyRetry =>
    new TransientOnlyRetry(settings.retry.maxAttempts, what, info)
  const { source, role } = settings

  if (source.kind === 'github-oidc' || source.kind === 'token-file') {
    if (!role || !('arn' in role.role)) throw new Error('web identity needs a role ARN') // inputs.ts ensures it
    const roleArn = role.role.arn
    record.roleArn = roleArn
    const client = createStsClient(
      settings,
      undefined,
      retry('AssumeRoleWithWebIdentity'),
      attemptTimeoutMs
    )
    const getToken = (): Promise<string> =>
      source.kind === 'github-oidc'
        ? fetchIdToken(source, retry('ID token request'), attemptTimeoutMs, signal)
        : fromTokenFile(source.path, env)
    const session = await withFreshTokens(getToken, record, async token => {
      debug(`AssumeRoleWithWebIdentity ${roleArn} as session ${role.sessionName}`)
      return assumeRoleWithWebIdentity(client, roleArn, role, token, signal)
    })
    return { session, via: 'AssumeRoleWithWebIdentity' }
  }

  const credentials: AwsCredentialIdentity | undefined =
    source.kind === 'access-keys'
      ? fromAccessKeys(source.keys)
      : fromEnvironment(env, source.chaining)
  const client = createStsClient(settings, credentials, retry('STS'), attemptTimeoutMs)

  if (!role) {
    // Keys without a role are exported as they are; one GetCallerIdentity proves they work.
    const arn = await getCallerIdentity(client, signal)
    record.callerArn = arn
    if (!credentials) throw new Error('no credentials to export') // inputs.ts requires keys here
    return {
      session: { credentials: { ...credentials }, arn, accountId: accountOfArn(arn) },
      via: 'source credentials'
    }
  }

  let roleArn: string
  if ('arn' in role.role) {
    roleArn = role.role.arn
  } else {
    record.callerArn = await getCallerIdentity(client, signal)
    roleArn = roleArnInCallerAccount(role.role.bareName, record.callerArn).arn
    info(`Resolved role name ${role.role.bareName} to ${roleArn}`)
  }
  record.roleArn = roleArn
  const session = await assumeWithWorkaround(settings, () => {
    debug(`AssumeRole ${roleArn} as session ${role.sessionName}`)
    return assumeRole(client, roleArn, role, signal)
  })
  return { session, via: 'AssumeRole' }
}

function attemptTimeout(settings: Settings): number {
  const total = settings.retry.actionTimeoutMs
  return total
    ? Math.max(1_000, Math.min(ATTEMPT_TIMEOUT_MS, Math.floor(total / 3)))
    : ATTEMPT_TIMEOUT_MS
}

/**
 * Calls `assume` with an ID token, fetching a fresh one when STS says it expired (a long run of
 * retries can outlive a five-minute token). Bounded by MAX_TOKEN_FETCHES.
 */
async function withFreshTokens(
  getToken: () => Promise<string>,
  record: AttemptRecord,
  assume: (token: string) => Promise<Session>
): Promise<Session> {
  for (let fetches = 1; ; fetches++) {
    const token = await getToken()
    record.idToken = token
    const expiry = await tokenExpiry(token)
    const expiresSoon = expiry !== undefined && expiry - Date.now() / 1000 < TOKEN_EXPIRY_MARGIN_S
    if (expiresSoon && fetches < MAX_TOKEN_FETCHES) continue
    try {
      return await assume(token)
    } catch (error) {
      const name = (error as { name?: string }).name
      if (name !== 'ExpiredTokenException' || fetches >= MAX_TOKEN_FETCHES) throw error
      info('The ID token expired before STS accepted it; fetching a fresh one')
    }
  }
}

/**
 * special-characters-workaround: some tools mishandle '/' and '+' in secret keys, so assume again
 * until the secret has only letters and digits, a bounded number of times.
 */
async function assumeWithWorkaround(
  settings: Settings,
  assume: () => Promise<Session>
): Promise<Session> {
  if (!settings.retry.specialCharactersWorkaround) return assume()
  const tries = Math.min(settings.retry.maxAttempts, MAX_SPECIAL_CHARACTER_TRIES)
  for (let attempt = 1; ; attempt++) {
    const session = await assume()
    if (/^[A-Za-z0-9]+$/.test(session.credentials.secretAccessKey)) return session
    if (attempt >= tries) {
      throw new Error(
        `special-characters-workaround: no secret key without special characters after ${tries} sessions; try again or drop the workaround.`
      )
    }
    info(
      `special-characters-workaround: secret key has special characters; assuming again (${attempt}/${tries})`
    )
  }
}
