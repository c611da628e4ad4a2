/**
 * Diagnoses of the identity that calls STS: none to be found (no OIDC, nothing to chain from, no
 * runner credentials), or source keys STS rejects.
 */
import { CredentialsProviderError } from '@smithy/core/config'
import type { RunContext } from '../runner/github-context.js'
import { NoCredentialsError } from '../sources/environment.js'
import type { Cause, Diagnosis, Failure } from './cause.js'
import { section, simple } from './text.js'

/** OIDC was wanted but there is no token to have, or no source at all. */
export const noCredentials: Cause = {
  // CredentialsProviderError: the SDK's default chain found nothing (sources/default-chain.ts).
  matches: ({ error }) =>
    error instanceof NoCredentialsError || error instanceof CredentialsProviderError,
  explain: explainNoCredentials
}

function explainNoCredentials({ env, context, settings }: Failure): Diagnosis {
  const chaining = settings?.source.kind === 'environment' && settings.source.chaining
  if (chaining) {
    return simple(
      'No credentials to chain from',
      'role-chaining assumes the role from credentials already in the environment, and there are none. Run a step that sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY first (for example this action without role-chaining).'
    )
  }
  if (settings && !settings.role && settings.profileRoles.length === 0) {
    return simple(
      'No AWS credentials on the runner',
      'Without role-to-assume and access keys the step checks the credentials the runner already has (an instance or container role, a profile, AWS_ACCESS_KEY_ID from an earlier step), and there are none. Give role-to-assume (with OIDC, `permissions: id-token: write`) or aws-access-key-id and aws-secret-access-key.'
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

/** What STS means by each code for the source keys: wrong, rotated, expired, or pasted badly. */
const SOURCE_KEY_CODES: Record<string, (source: string) => string> = {
  ExpiredToken: source =>
    `STS says the session token of ${source} has expired: temporary credentials last hours at most. Refresh them, or use OIDC.`,
  InvalidClientTokenId: source =>
    `STS does not know the access key ID of ${source}: it was deleted or rotated, mistyped, or belongs to another partition (aws-cn, aws-us-gov) than aws-region. Update the repository secret.`,
  SignatureDoesNotMatch: source =>
    `STS rejected the signature made with ${source}: the secret access key does not match the key ID. Usually a rotated or mistyped secret, or whitespace pasted into it; update the repository secret.`
}

export const sourceKeysRejected: Cause = {
  matches: ({ stsCode }) => stsCode !== undefined && Object.hasOwn(SOURCE_KEY_CODES, stsCode),
  explain: ({ stsCode = '', settings }) => {
    const source =
      settings?.source.kind === 'access-keys'
        ? 'the access keys given as inputs'
        : 'the credentials in the environment'
    return simple(`Source credentials rejected (${stsCode})`, SOURCE_KEY_CODES[stsCode](source))
  }
}
