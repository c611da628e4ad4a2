/**
 * What every assumed role of a run shares: session name, duration, tags, external ID, session
 * policies and source identity, with the rules web identity adds (AssumeRoleWithWebIdentity takes
 * no tags, external ID or source identity).
 */
import type { RunContext } from '../github-context.js'
import { InputError } from '../rules/input-error.js'
import { splitList } from '../rules/lists.js'
import { parseInlinePolicy, parseManagedPolicies } from '../rules/policies.js'
import { parseExternalId, parseSessionName, parseSourceIdentity } from '../rules/session.js'
import { mergeTags, parseCustomTags, parseTransitiveTagKeys } from '../rules/tags.js'
import { parseWholeNumber } from '../rules/whole-number.js'
import { contextTags, OWN_TAG_KEYS } from '../session-tags.js'
import type { RoleRequest, SourcePlan } from '../settings.js'
import type { InputReader } from './reader.js'
import { isWebIdentity } from './source.js'

/** STS's bounds on DurationSeconds, and the one-hour cap on chained sessions. */
export const DURATION = { min: 900, max: 43200, chained: 3600 }

/** What every assumed role of this run shares: session name, tags, policies, defaults. */
export type SessionOptions = Omit<RoleRequest, 'role'>

export interface SessionInputs {
  input: InputReader
  source: SourcePlan
  roleChaining: boolean
  /** The run's context, for the session tags. */
  context: RunContext
  /** A boolean input, with its default. */
  flag: (name: string, fallback: boolean) => boolean
}

export function readSessionOptions({
  input,
  source,
  roleChaining,
  context,
  flag
}: SessionInputs): SessionOptions {
  const webIdentity = isWebIdentity(source)
  const maxDuration = roleChaining ? DURATION.chained : DURATION.max
  const durationText = input.raw('role-duration-seconds') || '3600'
  if (/^\d{1,9}$/.test(durationText) && Number(durationText) < DURATION.min) {
    throw new InputError(
      'role-duration-seconds',
      `is ${Number(durationText)} seconds, shorter than STS allows: AssumeRole and AssumeRoleWithWebIdentity refuse DurationSeconds below ${DURATION.min} (15 minutes) with a ValidationError. Use ${DURATION.min} or more (at most ${maxDuration}).`
    )
  }
  const durationSeconds = parseWholeNumber(
    'role-duration-seconds',
    durationText,
    { min: DURATION.min, max: maxDuration },
    roleChaining ? 'seconds (role chaining caps sessions at one hour)' : 'seconds'
  )

  const customTagsText = input.get('custom-tags')
  const transitiveKeys = splitList(input.get('transitive-tag-keys'))
  if (webIdentity && (customTagsText || transitiveKeys.length > 0)) {
    const name = customTagsText ? 'custom-tags' : 'transitive-tag-keys'
    throw new InputError(
      name,
      "cannot be used with web identity (OIDC or a token file): AssumeRoleWithWebIdentity takes no session tags; they come from the token's claims."
    )
  }
  const skipTagging = flag('role-skip-session-tagging', false)
  const customTags = customTagsText ? parseCustomTags('custom-tags', customTagsText) : []
  const tags = webIdentity
    ? []
    : mergeTags('custom-tags', skipTagging ? [] : contextTags(context), customTags, OWN_TAG_KEYS)

  const externalIdText = input.get('role-external-id')
  if (webIdentity && externalIdText) {
    throw new InputError(
      'role-external-id',
      'cannot be used with web identity (OIDC or a token file): AssumeRoleWithWebIdentity takes no external ID.'
    )
  }
  const sourceIdentityText = input.get('source-identity')
  if (webIdentity && sourceIdentityText) {
    throw new InputError(
      'source-identity',
      "cannot be set with web identity (OIDC or a token file): STS takes it only from the token's claims."
    )
  }
  const policyText = input.get('inline-session-policy')
  return {
    sessionName: parseSessionName(
      'role-session-name',
      input.get('role-session-name') || 'GitHubActions'
    ),
    durationSeconds,
    externalId: externalIdText ? parseExternalId('role-external-id', externalIdText) : undefined,
    tags,
    transitiveTagKeys: parseTransitiveTagKeys('transitive-tag-keys', transitiveKeys, tags),
    inlinePolicy: policyText ? parseInlinePolicy('inline-session-policy', policyText) : undefined,
    managedPolicies: parseManagedPolicies(
      'managed-session-policies',
      splitList(input.get('managed-session-policies'))
    ),
    sourceIdentity: sourceIdentityText
      ? parseSourceIdentity('source-identity', sourceIdentityText)
      : undefined
  }
}
