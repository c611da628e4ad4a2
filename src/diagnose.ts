/**
 * From a failure to what a person can act on: a title, one sentence with the cause and the fix
 * (the ::error annotation), and details with policies to paste (the step summary). Pure: it reads
 * the error, the plan, the environment, the run's context and the ID token's decoded claims, and
 * makes no call. The caller redacts the result.
 */
import type { RunContext } from './github-context.js'
import type { AttemptRecord } from './assume.js'
import { accountOfArn } from './rules/arn.js'
import { isAwsRegion, partitionOfRegion } from './rules/region.js'
import { AccountNotAllowedError } from './rules/allowed-accounts.js'
import { InputError } from './rules/input-error.js'
import type { Settings } from './settings.js'
import { NoCredentialsError } from './sources/environment.js'
import { IdTokenRequestError } from './sources/id-token-error.js'

export interface Diagnosis {
  title: string
  /** One or two sentences: the cause, then the fix. */
  message: string
  /** Markdown for the step summary. */
  details: string
}

/** Claims of GitHub's ID token worth showing; none of them is secret (the token is). */
export type TokenClaims = Record<string, unknown>

export interface FailureContext {
  settings?: Settings
  env: NodeJS.ProcessEnv
  context: RunContext
  record: AttemptRecord
  claims?: TokenClaims
  timeoutMs?: number
}

interface ErrorShape {
  name?: string
  message?: string
  code?: string
  cause?: { code?: string }
  $metadata?: { httpStatusCode?: number }
}

const SHOWN_CLAIMS = [
  'iss',
  'aud',
  'sub',
  'repository',
  'ref',
  'environment',
  'job_workflow_ref',
  'event_name'
]

export function diagnose(error: unknown, failure: FailureContext): Diagnosis {
  const shape: ErrorShape = typeof error === 'object' && error !== null ? (error as ErrorShape) : {}
  const name = shape.name ?? 'Error'
  const message = shape.message ?? String(error)
  const { settings } = failure
  const webIdentity =
    settings?.source.kind === 'github-oidc' || settings?.source.kind === 'token-file'

  if (error instanceof InputError) {
    return {
      title: `Invalid input: ${error.input}`,
      message: error.message,
      details: section('Invalid input', [
        error.message,
        'Nothing was sent to AWS and nothing was exported.'
      ])
    }
  }
  if (error instanceof AccountNotAllowedError) return accountNotAllowed(error)
  if (failure.timeoutMs !== undefined && (name === 'AbortError' || name === 'TimeoutError')) {
    const seconds = Math.round(failure.timeoutMs / 1000)
    return simple(
      'Timed out',
      `The step did not finish within action-timeout-s (${seconds} s); STS or the token endpoint did not answer in time. Raise action-timeout-s or check the network path to STS.`
    )
  }
  if (error instanceof NoCredentialsError || name === 'CredentialsProviderError') {
    return noCredentials(failure)
  }
  if (error instanceof IdTokenRequestError) {
    return simple(
      'GitHub refused the ID token request',
      `${message} Check that the job has \`permissions: id-token: write\` and that GitHub Actions is healthy; 5xx answers were retried.`
    )
  }
  const mismatch = partitionMismatch(failure)
  if (mismatch && (name === 'AccessDenied' || name === 'ValidationError')) return mismatch
  if (name === 'AccessDenied' && /sts:TagSession/.test(message)) {
    return tagSessionDenied(message, failure)
  }
  if (name === 'AccessDenied' && /sts:SetSourceIdentity/.test(message)) {
    return simple(
      'The role does not allow sts:SetSourceIdentity',
      'The role trust policy must allow sts:SetSourceIdentity for this caller to set source-identity; add it to the trust statement or drop source-identity.'
    )
  }
  if (name === 'AccessDenied' && webIdentity) return webIdentityDenied(failure)
  if (name === 'AccessDenied') return assumeRoleDenied(message, failure)
  if (name === 'InvalidIdentityToken' || name === 'InvalidIdentityTokenException') {
    return invalidIdentityToken(message, failure)
  }
  if (name === 'ExpiredTokenException' && webIdentity) {
    return simple(
      'The web identity token expired',
      'STS refused the web identity token as expired, even after fetching a fresh one. Check that the runner clock is right, or that the token file is refreshed.'
    )
  }
  if (name === 'ValidationError' && /role chaining/i.test(message)) {
    return durationTooLong(failure, 'the 1-hour limit STS sets on role chaining', '3600')
  }
  if (name === 'ValidationError' && /MaxSessionDuration/i.test(message)) {
    return durationTooLong(failure, "the role's maximum session duration", undefined)
  }
  if (
    name === 'ExpiredToken' ||
    name === 'InvalidClientTokenId' ||
    name === 'SignatureDoesNotMatch'
  ) {
    return badSourceCredentials(name, failure)
  }
  if (name === 'RegionDisabledException') return regionDisabled(message, failure)
  if (name === 'IncompleteResponseError') {
    return simple(
      'STS answered without credentials',
      `${message} Check sts-endpoint, or try again.`
    )
  }
  const networkCode = shape.code ?? shape.cause?.code
  if (networkCode === 'ENOTFOUND' || networkCode === 'ECONNREFUSED' || name === 'TimeoutError') {
    const endpoint =
      settings?.stsEndpoint ?? `the STS endpoint of ${settings?.region ?? 'the region'}`
    return simple(
      'Could not reach STS',
      `Could not reach ${endpoint} (${networkCode ?? name}). Check sts-endpoint, the runner's network and proxy settings (http-proxy, no-proxy).`
    )
  }
  const status = shape.$metadata?.httpStatusCode
  return simple(
    `STS call failed: ${name}`,
    `${name}${status ? ` (HTTP ${status})` : ''}: ${message}`
  )
}

function simple(title: string, message: string): Diagnosis {
  return { title, message, details: section(title, [message]) }
}

function section(title: string, paragraphs: string[]): string {
  return `### Assume AWS role: ${title}\n\n${paragraphs.join('\n\n')}\n`
}

function json(value: unknown): string {
  return '```json\n' + JSON.stringify(value, null, 2) + '\n```'
}

function roleArnOf(failure: FailureContext): string | undefined {
  const role = failure.settings?.role?.role
  return failure.record.roleArn ?? (role && 'arn' in role ? role.arn : undefined)
}

/** Cause 1: OIDC was wanted but there is no token to have. */
function noCredentials(failure: FailureContext): Diagnosis {
  const { env, context, settings } = failure
  const chaining = settings?.source.kind === 'environment' && settings.source.chaining
  if (chaining) {
    return simple(
      'No credentials to chain from',
      'role-chaining assumes the role from credentials already in the environment, and there are none. Run a step that sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY first (for example this action without role-chaining).'
    )
  }
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    if (isForkPullRequest(context)) {
      return simple(
        'No OIDC token: pull requests from forks get none',
        'This run is a pull_request from a fork, and GitHub gives such runs no ID token (nor secrets). Run the AWS steps on push or in a workflow triggered after review, not on pull_request from forks.'
      )
    }
    const message =
      'No OIDC token: the job cannot request one, so there is nothing to assume the role with. Add `permissions: id-token: write` to the job (or the workflow), or give aws-access-key-id and aws-secret-access-key.'
    return {
      title: 'No OIDC token: permissions: id-token: write is missing',
      message,
      details: section('No OIDC token', [
        message,
        'The runner sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN only when the job may request a token:',
        '```yaml\npermissions:\n  id-token: write\n  contents: read\n```',
        'Runners outside GitHub Actions (or very old GitHub Enterprise Server versions) have no OIDC at all; use access keys there.'
      ])
    }
  }
  return simple(
    'No credentials found',
    'No AWS credentials were found to call STS with. Give aws-access-key-id and aws-secret-access-key, or let the job use OIDC (remove force-skip-oidc).'
  )
}

function isForkPullRequest(context: RunContext): boolean {
  if (context.eventName !== 'pull_request') return false
  const pr = context.payload.pull_request as
    { head?: { repo?: { full_name?: string; fork?: boolean } } } | undefined
  const head = pr?.head?.repo
  const base = (context.payload.repository as { full_name?: string } | undefined)?.full_name
  return Boolean(head?.fork || (head?.full_name && base && head.full_name !== base))
}

/** Cause 2: STS said no to the token; show its claims and the trust statement that would admit it. */
function webIdentityDenied(failure: FailureContext): Diagnosis {
  const claims = failure.claims ?? {}
  const roleArn = roleArnOf(failure) ?? 'the role'
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined
  const aud =
    typeof claims.aud === 'string'
      ? claims.aud
      : failure.settings?.source.kind === 'github-oidc'
        ? failure.settings.source.audience
        : 'sts.amazonaws.com'
  const issuer =
    typeof claims.iss === 'string' ? claims.iss : 'https://token.actions.githubusercontent.com'
  const providerHost = issuer.replace(/^https:\/\//, '').replace(/\/$/, '')
  const account = accountOfArn(roleArn) || '<ACCOUNT_ID>'
  const message = `The trust policy of ${roleArn} does not admit this token${sub ? ` (sub "${sub}")` : ''}: it must allow sts:AssumeRoleWithWebIdentity for this subject and audience "${aud}".`
  const statement = {
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${providerHost}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${providerHost}:aud`]: aud,
        [`${providerHost}:sub`]: sub ?? 'repo:OWNER/REPO:ref:refs/heads/BRANCH'
      }
    }
  }
  const claimRows = SHOWN_CLAIMS.filter(key => claims[key] !== undefined).map(
    key => `| \`${key}\` | \`${String(claims[key])}\` |`
  )
  return {
    title: 'Not authorized to assume the role with this OIDC token',
    message: `${message} See the step summary for the token's claims and a trust statement.`,
    details: section('Not authorized to assume the role with this OIDC token', [
      message,
      claimRows.length > 0
        ? `| claim | value |\n|---|---|\n${claimRows.join('\n')}`
        : 'The token could not be decoded.',
      'A least-privilege trust statement that admits exactly this run:',
      json(statement),
      '**Do not** widen `sub` with wildcards such as `repo:OWNER/*` or `*`: any workflow of any matching repository (or branch, or pull request) could then assume the role. Name the exact repository and branch or environment.',
      'Also check that the identity provider exists in the account and that the role ARN is right.'
    ])
  }
}

/** Cause 3: no OIDC provider for the issuer, an audience it does not list, or a bad token. */
function invalidIdentityToken(message: string, failure: FailureContext): Diagnosis {
  const claims = failure.claims ?? {}
  const issuer =
    typeof claims.iss === 'string' ? claims.iss : 'https://token.actions.githubusercontent.com'
  const host = issuer.replace(/^https:\/\//, '').replace(/\/$/, '')
  const roleAccount = accountOfArn(roleArnOf(failure) ?? '')
  const account = roleAccount || 'the role account'
  const providerArn = `arn:aws:iam::${roleAccount || '<ACCOUNT_ID>'}:oidc-provider/${host}`
  if (/audience/i.test(message)) {
    const aud = String(claims.aud ?? 'sts.amazonaws.com')
    const fix = `The token's audience "${aud}" is not a client ID of the OIDC provider in ${account}. Set the audience input to the provider's client ID (usually sts.amazonaws.com) or add "${aud}" to the provider's audiences.`
    return {
      title: 'OIDC audience mismatch',
      message: fix,
      details: section('OIDC audience mismatch', [
        fix,
        'To add it to the provider:',
        '```sh\n' +
          `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${providerArn} --client-id ${aud}` +
          '\n```',
        `STS said: ${message}`
      ])
    }
  }
  if (!/No OpenIDConnect provider/i.test(message)) {
    const title = 'The web identity token could not be validated'
    const text = `STS could not validate the web identity token from ${issuer} for ${roleAccount ? `account ${roleAccount}` : 'the role account'}. The token is malformed, not signed by a key the issuer publishes, or not yet valid; with web-identity-token-file, check that the file holds a fresh, complete token from that issuer.`
    return { title, message: text, details: section(title, [text, `STS said: ${message}`]) }
  }
  const fix = `Account ${account} has no IAM OIDC identity provider for ${issuer}. Create it once: aws iam create-open-id-connect-provider --url ${issuer} --client-id-list sts.amazonaws.com`
  return {
    title: 'No OIDC identity provider in the account',
    message: fix,
    details: section('No OIDC identity provider in the account', [
      fix,
      `Its ARN will be ${providerArn}, which the role trust policy names as its Federated principal.`,
      `STS said: ${message}`
    ])
  }
}

/** Cause 4: both sides must allow AssumeRole; name the caller and show both statements. */
function assumeRoleDenied(message: string, failure: FailureContext): Diagnosis {
  const roleArn = roleArnOf(failure) ?? 'the role'
  const callerArn = callerInMessage(message) ?? failure.record.callerArn
  const caller = callerArn ?? 'the source identity'
  const role = failure.settings?.role
  const crossAccount = callerArn && accountOfArn(callerArn) !== accountOfArn(roleArn)
  const actions =
    role && role.tags.length > 0 ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole']
  const trust: Record<string, unknown> = {
    Effect: 'Allow',
    Principal: { AWS: callerArn ?? 'arn:aws:iam::<ACCOUNT_ID>:user/<NAME>' },
    Action: actions.length === 1 ? actions[0] : actions
  }
  if (role?.externalId)
    trust.Condition = { StringEquals: { 'sts:ExternalId': '<the external ID>' } }
  const identity = { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }
  let externalIdNote = ''
  if (crossAccount) {
    externalIdNote = role?.externalId
      ? ' The role is in another account and an external ID was given: check it matches the trust policy exactly.'
      : ' The role is in another account: if its trust policy requires sts:ExternalId, set role-external-id.'
  }
  const sentence = `${caller} may not assume ${roleArn}. Both sides must allow it: the caller's identity policy must allow sts:AssumeRole on the role, and the role's trust policy must name the caller.${externalIdNote}`
  return {
    title: 'Not authorized to assume the role',
    message: sentence,
    details: section('Not authorized to assume the role', [
      sentence,
      `1. Identity policy of ${caller}:`,
      json(identity),
      `2. Trust policy of ${roleArn}:`,
      json(trust),
      'Prefer naming the caller over trusting `arn:aws:iam::<ACCOUNT_ID>:root`: a role trusted by the account root can be assumed by every principal in that account that is allowed sts:AssumeRole, so a broad role becomes an escalation path.'
    ])
  }
}

/**
 * With sts-endpoint the input rule on partitions is skipped, so STS may refuse a role of another
 * partition; no policy can fix that, so say so instead of blaming the policies.
 */
function partitionMismatch(failure: FailureContext): Diagnosis | undefined {
  const region = failure.settings?.region
  const roleArn = roleArnOf(failure)
  const partition = roleArn?.split(':')[1]
  if (!region || !roleArn || !partition || !isAwsRegion(region)) return undefined
  const expected = partitionOfRegion(region)
  if (partition === expected) return undefined
  return simple(
    'Role and region in different partitions',
    `${roleArn} is in partition ${partition} but aws-region ${region} is in ${expected}; STS in one partition cannot assume roles of another. Use a region (and sts-endpoint) of the role's partition.`
  )
}

/** The caller STS names in "User: <arn> is not authorized to perform: ...". */
function callerInMessage(message: string): string | undefined {
  return /User: (arn:[^\s]+) is not authorized/.exec(message)?.[1]
}

/** Cause 5: the trust policy allows AssumeRole but not tagging the session. */
function tagSessionDenied(message: string, failure: FailureContext): Diagnosis {
  const roleArn = roleArnOf(failure) ?? 'the role'
  const sentence = `The trust policy of ${roleArn} does not allow sts:TagSession, which this action needs to tag the session with the GitHub context. Add "sts:TagSession" to the trust statement's actions, or set role-skip-session-tagging: true.`
  return {
    title: 'The role does not allow session tags (sts:TagSession)',
    message: sentence,
    details: section('The role does not allow session tags', [
      sentence,
      json({
        Effect: 'Allow',
        Principal: { AWS: callerInMessage(message) ?? failure.record.callerArn ?? '<caller ARN>' },
        Action: ['sts:AssumeRole', 'sts:TagSession']
      })
    ])
  }
}

/** Cause 6: the requested duration is above what the role (or chaining) allows. */
function durationTooLong(
  failure: FailureContext,
  limit: string,
  max: string | undefined
): Diagnosis {
  const requested = failure.settings?.role?.durationSeconds
  const roleArn = roleArnOf(failure) ?? 'the role'
  const fix = max
    ? `set role-duration-seconds to ${max} or less`
    : `lower role-duration-seconds, or raise the role's maximum: aws iam update-role --role-name ${roleArn.split('/').pop()} --max-session-duration ${requested ?? 43200}`
  return simple(
    'Session duration too long',
    `role-duration-seconds ${requested ?? ''} is above ${limit}; ${fix}.`
  )
}

/** Cause 7: the source keys are wrong, rotated, expired, or carry pasted whitespace. */
function badSourceCredentials(code: string, failure: FailureContext): Diagnosis {
  const source =
    failure.settings?.source.kind === 'access-keys'
      ? 'the access keys given as inputs'
      : 'the credentials in the environment'
  const why: Record<string, string> = {
    ExpiredToken: `STS says the session token of ${source} has expired: temporary credentials last hours at most. Refresh them, or use OIDC.`,
    InvalidClientTokenId: `STS does not know the access key ID of ${source}: it was deleted or rotated, mistyped, or belongs to another partition (aws-cn, aws-us-gov) than aws-region. Update the repository secret.`,
    SignatureDoesNotMatch: `STS rejected the signature made with ${source}: the secret access key does not match the key ID. Usually a rotated or mistyped secret, or whitespace pasted into it; update the repository secret.`
  }
  return simple(`Source credentials rejected (${code})`, why[code] ?? code)
}

/** Cause 8: STS is off in this region for the account. */
function regionDisabled(message: string, failure: FailureContext): Diagnosis {
  const region = failure.settings?.region ?? 'this region'
  return simple(
    'STS is not enabled in this region',
    `STS is not activated in ${region} for the account (${message.split('.')[0]}). Use a region the account has enabled (for example us-east-1), or enable STS for ${region} under IAM > Account settings.`
  )
}

/** Cause 9: the session is for an account the workflow did not allow. */
function accountNotAllowed(error: AccountNotAllowedError): Diagnosis {
  return simple(
    'Account not allowed',
    `${error.message} Nothing was exported. Check role-to-assume, or add the account to allowed-account-ids if it is intended.`
  )
}
