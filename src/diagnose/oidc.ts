/**
 * Diagnoses of web identity (GitHub OIDC or a token file): the ID token request refused, a trust
 * policy that does not admit the token, a provider or audience missing, an expired token.
 */
import { ExpiredTokenException, InvalidIdentityTokenException } from '@aws-sdk/client-sts'
import { markdownCode, markdownText } from '../runner/log-text.js'
import { accountOfArn } from '../rules/arn.js'
import { needsFreshToken } from '../network/retry.js'
import { IdTokenRequestError } from '../sources/id-token-error.js'
import type { Cause, Diagnosis, Failure } from './cause.js'
import {
  EVENTUAL_CONSISTENCY,
  json,
  partitionOf,
  printableCode,
  roleArnOf,
  section,
  simple
} from './text.js'

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
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export const idTokenRefused: Cause = {
  matches: ({ error }) => error instanceof IdTokenRequestError,
  explain: ({ message }) =>
    simple(
      'GitHub refused the ID token request',
      `${message} Check that the job has \`permissions: id-token: write\` and that GitHub Actions is healthy; 5xx answers were retried.`
    )
}

/** STS said no to the token; show its claims and the trust statement that would admit it. */
export const webIdentityDenied: Cause = {
  matches: ({ stsCode, webIdentity }) => stsCode === 'AccessDenied' && webIdentity,
  explain: explainWebIdentityDenied
}

/**
 * GitHub's immutable subject claim (changelog of 2026-04-23): the owner's and the repository's
 * numeric IDs after their names, `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`. A trust policy written for
 * the older `repo:OWNER/REPO:…` no longer matches it.
 */
const IMMUTABLE_SUB = /^repo:[^/@:]+@\d+\/[^/@:]+@\d+:/

function explainWebIdentityDenied(failure: Failure): Diagnosis {
  const claims = failure.claims ?? {}
  const roleArn = roleArnOf(failure) ?? 'the role'
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined
  const aud =
    typeof claims.aud === 'string'
      ? claims.aud
      : failure.settings?.source.kind === 'github-oidc'
        ? failure.settings.source.audience
        : 'sts.amazonaws.com'
  const providerHost = issuerHost(failure)
  const account = accountOfArn(roleArn) || '<ACCOUNT_ID>'
  const subKey = `${providerHost}:sub`
  const immutable = sub !== undefined && IMMUTABLE_SUB.test(sub)
  const denied = `The trust policy of ${roleArn} does not admit this token${sub ? ` (sub "${sub}")` : ''}: it must allow sts:AssumeRoleWithWebIdentity for this subject and audience "${aud}".`
  // The condition to paste, as IAM's JSON spells it (the sub is not a secret; it names the run).
  const condition = immutable ? `${JSON.stringify(subKey)}: ${JSON.stringify(sub)}` : undefined
  const message = condition
    ? `The trust policy of ${roleArn} does not admit this token. Its sub is GitHub's immutable form, with the owner and repository IDs: "${sub}"; a condition written for repo:OWNER/REPO:… no longer matches. Put this in the trust policy's StringEquals: ${condition}`
    : denied
  const statement = {
    Effect: 'Allow',
    Principal: {
      Federated: `arn:${partitionOf(failure)}:iam::${account}:oidc-provider/${providerHost}`
    },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${providerHost}:aud`]: aud,
        [subKey]: sub ?? 'repo:OWNER@OWNER_ID/REPO@REPO_ID:ref:refs/heads/BRANCH'
      }
    }
  }
  const claimRows = SHOWN_CLAIMS.filter(key => claims[key] !== undefined).map(
    key => `| \`${key}\` | ${markdownCode(String(claims[key]))} |`
  )
  return {
    title: 'Not authorized to assume the role with this OIDC token',
    message: `${message} See the step summary for the token's claims and a trust statement.`,
    details: section('Not authorized to assume the role with this OIDC token', [
      markdownText(denied),
      ...(immutable
        ? [
            markdownText(
              "This token's sub is GitHub's immutable form (repo:OWNER@OWNER_ID/REPO@REPO_ID:…): repositories created from 15 July 2026, and those opted in, carry the numeric IDs of the owner and the repository, so a trust policy written for repo:OWNER/REPO:… refuses it. The IDs are in every job as GITHUB_REPOSITORY_OWNER_ID and GITHUB_REPOSITORY_ID."
            )
          ]
        : []),
      claimRows.length > 0
        ? `| claim | value |\n|---|---|\n${claimRows.join('\n')}`
        : 'The token could not be decoded.',
      'A least-privilege trust statement that admits exactly this run:',
      json(statement),
      '**Do not** widen `sub` with wildcards such as `repo:OWNER/*` or `*`: any workflow of any matching repository (or branch, or pull request) could then assume the role. Name the exact repository and branch or environment.',
      'Also check that the identity provider exists in the account and that the role ARN is right.',
      EVENTUAL_CONSISTENCY
    ])
  }
}

/**
 * STS could not reach the identity provider, or fetch its keys, to check the token: retried with a
 * fresh token each time (network/retry.ts, needsFreshToken), and still failing. Not the trust policy.
 */
export const identityProviderUnreachable: Cause = {
  matches: ({ error, webIdentity }) => webIdentity && needsFreshToken(error),
  explain: failure => {
    const retries =
      (failure.settings?.retry.maxAttempts ?? 2) > 1
        ? 'It was retried, each time with a fresh ID token.'
        : 'Retries are off (disable-retry or retry-max-attempts 1).'
    return simple(
      'STS could not check the token with the identity provider',
      `STS could not reach ${issuerHost(failure)} to check the web identity token (${printableCode(failure.code)}). ${retries} This is on the identity provider's or AWS's side, not in the trust policy: re-run the job, and check https://www.githubstatus.com for GitHub Actions.`
    )
  }
}

/**
 * No OIDC provider for the issuer, an audience it does not list, or a bad token. STS's wire code
 * is InvalidIdentityToken; the SDK raises it as InvalidIdentityTokenException when it reads it.
 */
export const invalidIdentityToken: Cause = {
  matches: ({ error, stsCode }) =>
    error instanceof InvalidIdentityTokenException ||
    stsCode === 'InvalidIdentityToken' ||
    stsCode === 'InvalidIdentityTokenException',
  explain: explainInvalidIdentityToken
}

function explainInvalidIdentityToken(failure: Failure): Diagnosis {
  const { message } = failure
  const claims = failure.claims ?? {}
  const issuer = typeof claims.iss === 'string' ? claims.iss : GITHUB_ISSUER
  const host = issuerHost(failure)
  const roleAccount = accountOfArn(roleArnOf(failure) ?? '')
  const account = roleAccount || 'the role account'
  const providerArn = `arn:${partitionOf(failure)}:iam::${roleAccount || '<ACCOUNT_ID>'}:oidc-provider/${host}`
  if (/audience/i.test(message)) {
    const claimed = String(claims.aud ?? 'sts.amazonaws.com')
    // It goes into a command to paste: only a plain audience, else a placeholder.
    const aud = /^[\w.:/-]{1,256}$/.test(claimed) ? claimed : '<AUDIENCE>'
    const fix = `The token's audience "${aud}" is not a client ID of the OIDC provider in ${account}. Set the audience input to the provider's client ID (usually sts.amazonaws.com) or add "${aud}" to the provider's audiences.`
    return {
      title: 'OIDC audience mismatch',
      message: fix,
      details: section('OIDC audience mismatch', [
        markdownText(fix),
        'To add it to the provider:',
        '```sh\n' +
          `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${providerArn} --client-id ${aud}` +
          '\n```',
        `STS said: ${markdownText(message)}`
      ])
    }
  }
  if (!/No OpenIDConnect provider/i.test(message)) {
    const title = 'The web identity token could not be validated'
    const text = `STS could not validate the web identity token from ${issuer} for ${roleAccount ? `account ${roleAccount}` : 'the role account'}. The token is malformed, not signed by a key the issuer publishes, or not yet valid; with web-identity-token-file, check that the file holds a fresh, complete token from that issuer.`
    return {
      title,
      message: text,
      details: section(title, [markdownText(text), `STS said: ${markdownText(message)}`])
    }
  }
  const fix = `Account ${account} has no IAM OIDC identity provider for ${issuer}. Create it once: aws iam create-open-id-connect-provider --url ${issuer} --client-id-list sts.amazonaws.com`
  return {
    title: 'No OIDC identity provider in the account',
    message: fix,
    details: section('No OIDC identity provider in the account', [
      markdownText(fix),
      markdownText(
        `Its ARN will be ${providerArn}, which the role trust policy names as its Federated principal.`
      ),
      `STS said: ${markdownText(message)}`
    ])
  }
}

export const webIdentityTokenExpired: Cause = {
  matches: ({ error, stsCode, webIdentity }) =>
    webIdentity && (error instanceof ExpiredTokenException || stsCode === 'ExpiredTokenException'),
  explain: () =>
    simple(
      'The web identity token expired',
      'STS refused the web identity token as expired, even after fetching a fresh one. Check that the runner clock is right, or that the token file is refreshed.'
    )
}

/** The issuer's host, as IAM names the provider: the token's `iss`, else GitHub's. */
function issuerHost(failure: Failure): string {
  const iss = failure.claims?.iss
  const issuer = typeof iss === 'string' ? iss : GITHUB_ISSUER
  return issuer.replace(/^https:\/\//, '').replace(/\/$/, '')
}
