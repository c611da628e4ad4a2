/**
 * Diagnoses of STS refusing AssumeRole: partitions that differ, tags or source identity not
 * allowed, a caller the policies do not admit, a duration above the limit, STS off in the region.
 */
import { RegionDisabledException } from '@aws-sdk/client-sts'
import { markdownText } from '../runner/log-text.js'
import { accountOfArn, isStsArn } from '../rules/arn.js'
import { isAwsRegion, partitionOfRegion } from '../rules/region.js'
import type { Cause, Diagnosis, Failure } from './cause.js'
import { EVENTUAL_CONSISTENCY, json, partitionOf, roleArnOf, section, simple } from './text.js'

/**
 * With sts-endpoint the input rule on partitions is skipped, so STS may refuse a role of another
 * partition; no policy can fix that, so say so instead of blaming the policies.
 */
export const partitionMismatch: Cause = {
  matches: failure =>
    (failure.stsCode === 'AccessDenied' || failure.stsCode === 'ValidationError') &&
    explainPartitionMismatch(failure) !== undefined,
  // Only called once `matches` saw a mismatch.
  explain: failure => explainPartitionMismatch(failure) as Diagnosis
}

function explainPartitionMismatch(failure: Failure): Diagnosis | undefined {
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

/** The trust policy allows AssumeRole but not tagging the session. */
export const tagSessionDenied: Cause = {
  matches: ({ stsCode, message }) => stsCode === 'AccessDenied' && /sts:TagSession/.test(message),
  explain: failure => {
    const roleArn = roleArnOf(failure) ?? 'the role'
    const sentence = `The trust policy of ${roleArn} does not allow sts:TagSession, which this action needs to tag the session with the GitHub context. Add "sts:TagSession" to the trust statement's actions, or set role-skip-session-tagging: true.`
    return {
      title: 'The role does not allow session tags (sts:TagSession)',
      message: sentence,
      details: section('The role does not allow session tags', [
        markdownText(sentence),
        json({
          Effect: 'Allow',
          Principal: { AWS: callerOf(failure) ?? '<caller ARN>' },
          Action: ['sts:AssumeRole', 'sts:TagSession']
        })
      ])
    }
  }
}

export const sourceIdentityDenied: Cause = {
  matches: ({ stsCode, message }) =>
    stsCode === 'AccessDenied' && /sts:SetSourceIdentity/.test(message),
  explain: () =>
    simple(
      'The role does not allow sts:SetSourceIdentity',
      'The role trust policy must allow sts:SetSourceIdentity for this caller to set source-identity; add it to the trust statement or drop source-identity.'
    )
}

/** Both sides must allow AssumeRole; name the caller and show both statements. */
export const assumeRoleDenied: Cause = {
  matches: ({ stsCode }) => stsCode === 'AccessDenied',
  explain: explainAssumeRoleDenied
}

function explainAssumeRoleDenied(failure: Failure): Diagnosis {
  const roleArn = roleArnOf(failure) ?? 'the role'
  const callerArn = callerOf(failure)
  const caller = callerArn ?? 'the source identity'
  const partition = partitionOf(failure)
  const role = failure.settings?.role
  const crossAccount = callerArn && accountOfArn(callerArn) !== accountOfArn(roleArn)
  const actions =
    role && role.tags.length > 0 ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole']
  const trust: Record<string, unknown> = {
    Effect: 'Allow',
    Principal: { AWS: callerArn ?? `arn:${partition}:iam::<ACCOUNT_ID>:user/<NAME>` },
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
      markdownText(sentence),
      `1. Identity policy of ${markdownText(caller)}:`,
      json(identity),
      `2. Trust policy of ${markdownText(roleArn)}:`,
      json(trust),
      `Prefer naming the caller over trusting \`arn:${partition}:iam::<ACCOUNT_ID>:root\`: a role trusted by the account root can be assumed by every principal in that account that is allowed sts:AssumeRole, so a broad role becomes an escalation path.`,
      EVENTUAL_CONSISTENCY
    ])
  }
}

/** The caller: the one STS names in "User: <arn> is not authorized …" (if a real ARN), else the one the attempt learned. */
function callerOf(failure: Failure): string | undefined {
  const arn = /User: (arn:[^\s]+) is not authorized/.exec(failure.message)?.[1]
  return (arn && isStsArn(arn, false) ? arn : undefined) ?? failure.facts.callerArn
}

/** The requested duration is above the 1-hour limit STS sets on role chaining. */
export const chainedDurationTooLong: Cause = {
  matches: ({ stsCode, message }) =>
    stsCode === 'ValidationError' && /role chaining/i.test(message),
  explain: failure => durationTooLong(failure, 'the 1-hour limit STS sets on role chaining', '3600')
}

/** The requested duration is above the role's maximum. */
export const durationAboveRoleMaximum: Cause = {
  matches: ({ stsCode, message }) =>
    stsCode === 'ValidationError' && /MaxSessionDuration/i.test(message),
  explain: failure => durationTooLong(failure, "the role's maximum session duration", undefined)
}

function durationTooLong(failure: Failure, limit: string, max: string | undefined): Diagnosis {
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

/** STS is off in this region for the account. */
export const regionDisabled: Cause = {
  matches: ({ error, stsCode }) =>
    error instanceof RegionDisabledException || stsCode === 'RegionDisabledException',
  explain: ({ settings, message }) => {
    const region = settings?.region ?? 'this region'
    return simple(
      'STS is not enabled in this region',
      `STS is not activated in ${region} for the account (${message.split('.')[0]}). Use a region the account has enabled (for example us-east-1), or enable STS for ${region} under IAM > Account settings.`
    )
  }
}
