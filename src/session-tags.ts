/**
 * The session tags that record which run assumed the role, as configure-aws-credentials sets them,
 * so CloudTrail shows the repository, workflow and commit behind every session.
 */
import type { RunContext } from './github-context.js'
import { cleanTagValue, type Tag } from './rules/tags.js'

export function contextTags(context: RunContext): Tag[] {
  const tags: Array<[string, string | undefined]> = [
    ['GitHub', 'Actions'],
    ['Repository', context.repository],
    ['Workflow', context.workflow],
    ['Action', context.action],
    ['Actor', context.actor],
    ['Commit', context.sha],
    ['Branch', context.ref]
  ]
  return tags
    .filter((tag): tag is [string, string] => Boolean(tag[1]))
    .map(([Key, value]) => ({ Key, Value: cleanTagValue(value) }))
}
