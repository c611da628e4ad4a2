/**
 * What every assumed role of a run shares: session name, duration, tags, external ID, session
 * policies and source identity, with the rules web identity adds (AssumeRoleWithWebIdentity takes
 * no tags, external ID or source identity: the first two are ignored with a warning, as
 * configure-aws-credentials ignores them; source-identity, ours alone, is an error).
 */
import type { RunContext } from '../runner/github-context.js'
import { InputError, quote } from '../rules/input-error.js'
import { splitList } from '../rules/lists.js'
import { parseInlinePolicy, parseManagedPolicies } from '../rules/policies.js'
import { parseExternalId, parseSessionName, parseSourceIdentity } from '../rules/session.js'
import { mergeTags, parseCustomTags, parseTransitiveTagKeys } from '../rules/tags.js'
import { parseWholeNumber } from '../rules/whole-number.js'
import { contextTags, OWN_TAG_KEYS } from './session-tags.js'
import type { RoleRequest, SourcePlan } from '../settings.js'
import type { InputReader } from '../runner/input-reader.js'
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
  /** One line saying what is ignored and why. */
  warn: (line: string) => void
}

/** The line for an input that is given but not used. */
function ignored(input: string, why: string): string {
  return `Input '${input}' is ignored: ${why}`
}

export function readSessionOptions({
  input,
  source,
  roleChaining,
  context,
  flag,
  warn
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
  const transitiveText = input.get('transitive-tag-keys')
  const externalIdText = input.get('role-external-id')
  const skipTagging = flag('role-skip-session-tagging', false)
  // configure-aws-credentials v6.2.3 ignores what AssumeRoleWithWebIdentity cannot take, so
  // reusable workflows pass the same inputs on both paths: ignored here too, but said. And
  // role-skip-session-tagging sends no tag at all, custom ones included (its src/assumeRole.ts:
  // `roleSkipSessionTagging ? undefined : tagArray`).
  const noTagsBecause = webIdentity
    ? "AssumeRoleWithWebIdentity takes no session tags; they come from the token's claims."
    : skipTagging
      ? 'role-skip-session-tagging is true, and then no session tag is sent at all.'
      : undefined
  if (noTagsBecause) {
    if (customTagsText) warn(ignored('custom-tags', noTagsBecause))
    if (transitiveText) warn(ignored('transitive-tag-keys', noTagsBecause))
  }
  if (webIdentity && externalIdText) {
    warn(
      ignored(
        'role-external-id',
        'AssumeRoleWithWebIdentity takes no external ID, so a trust policy that requires sts:ExternalId never admits a web identity session.'
      )
    )
  }
  // Checked with keys even when not sent, as configure-aws-credentials parses them either way.
  const customTags =
    customTagsText && !webIdentity ? parseCustomTags('custom-tags', customTagsText) : []
  const merged = mergeTags(
    'custom-tags',
    skipTagging || webIdentity ? [] : contextTags(context),
    customTags,
    OWN_TAG_KEYS
  )
  const tags = noTagsBecause ? [] : merged
  const transitive = noTagsBecause
    ? { keys: [], dropped: [] }
    : parseTransitiveTagKeys('transitive-tag-keys', splitList(transitiveText), tags)
  if (transitive.dropped.length > 0) {
    const [one] = transitive.dropped
    const names = transitive.dropped.map(quote).join(', ')
    warn(
      `Input 'transitive-tag-keys': ${names} ${one === undefined || transitive.dropped.length > 1 ? 'name no tag this session sends, so they are' : 'names no tag this session sends, so it is'} left out (as configure-aws-credentials leaves them out).`
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
    externalId:
      externalIdText && !webIdentity
        ? parseExternalId('role-external-id', externalIdText)
        : undefined,
    tags,
    transitiveTagKeys: transitive.keys,
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
