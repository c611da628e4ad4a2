/**
 * The session tags that record which run assumed the role: the same keys, from the same GITHUB_*
 * variables, as configure-aws-credentials v6.2.3 (src/assumeRole.ts, NON_DROPPABLE_TAG_SOURCES and
 * DROPPABLE_TAG_SOURCES), so trust and permission policies on aws:PrincipalTag/... keep matching
 * after a switch, and CloudTrail shows the repository, workflow and commit behind every session.
 */
import type { RunContext } from '../runner/github-context.js'
import { sanitizeTag, type Tag } from '../rules/tags.js'
import type { RoleRequest } from '../settings.js'

/** Always sent (when the variable has a value): identity and audit. */
const KEPT: ReadonlyArray<[string, keyof RunContext]> = [
  ['Repository', 'repository'],
  ['Workflow', 'workflow'],
  ['Action', 'action'],
  ['Actor', 'actor'],
  ['Commit', 'sha'],
  ['Branch', 'ref']
]

/** Convenience metadata, dropped (one retry) when STS answers PackedPolicyTooLarge. */
const DROPPABLE: ReadonlyArray<[string, keyof RunContext]> = [
  ['EventName', 'eventName'],
  ['BaseRef', 'baseRef'],
  ['HeadRef', 'headRef'],
  ['RunId', 'runId'],
  ['Job', 'job'],
  ['TriggeringActor', 'triggeringActor']
]

const DROPPABLE_KEYS = new Set(DROPPABLE.map(([key]) => key))

/** Every key this action sets itself; custom-tags may not use them, in any case. */
export const OWN_TAG_KEYS: readonly string[] = [
  'GitHub',
  ...KEPT.map(([key]) => key),
  ...DROPPABLE.map(([key]) => key)
]

/**
 * `GitHub=Actions`, then each tag whose variable is set and not empty (configure-aws-credentials
 * skips empty ones too: `if (value)`), the value cleaned for STS's tag pattern.
 */
export function contextTags(context: RunContext): Tag[] {
  const tags: Tag[] = [{ Key: 'GitHub', Value: 'Actions' }]
  for (const [key, field] of [...KEPT, ...DROPPABLE]) {
    const value = context[field]
    if (typeof value === 'string' && value !== '') tags.push(sanitizeTag(key, value))
  }
  return tags
}

/**
 * The request with the droppable context tags removed, for the one retry after PackedPolicyTooLarge;
 * undefined when it has none (the retry could not help). Transitive keys that named a dropped tag
 * go too, or STS would refuse them ("must be included in the requested tags").
 */
export function withoutDroppableTags(
  request: RoleRequest
): { request: RoleRequest; dropped: string[] } | undefined {
  const dropped = request.tags.filter(tag => DROPPABLE_KEYS.has(tag.Key)).map(tag => tag.Key)
  if (dropped.length === 0) return undefined
  const lower = new Set(dropped.map(key => key.toLowerCase()))
  return {
    request: {
      ...request,
      tags: request.tags.filter(tag => !DROPPABLE_KEYS.has(tag.Key)),
      transitiveTagKeys: request.transitiveTagKeys.filter(key => !lower.has(key.toLowerCase()))
    },
    dropped
  }
}
