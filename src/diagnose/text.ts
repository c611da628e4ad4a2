/**
 * Building blocks of a diagnosis's text: sections, JSON blocks, the role and partition to name.
 * Sentences carrying outside text go through markdownText in `details`.
 */
import { markdownText } from '../runner/log-text.js'
import { isAwsRegion, partitionOfRegion } from '../rules/region.js'
import type { Diagnosis, FailureContext } from './cause.js'

/** A diagnosis whose details are its message. */
export function simple(title: string, message: string): Diagnosis {
  return { title, message, details: section(title, [markdownText(message)]) }
}

export function section(title: string, paragraphs: string[]): string {
  return `### Assume AWS role: ${markdownText(title)}\n\n${paragraphs.join('\n\n')}\n`
}

/** A fenced JSON block; backticks are escaped as JSON allows, so no value can close the fence. */
export function json(value: unknown): string {
  return '```json\n' + JSON.stringify(value, null, 2).replace(/`/g, '\\u0060') + '\n```'
}

/** An error code is a word; anything else a server sent in its place is not repeated. */
export function printableCode(name: string): string {
  return /^[\w.-]{1,64}$/.test(name) ? name : 'unreadable error code'
}

/** The role the failure is about: the one attempted, else the one asked for as an ARN. */
export function roleArnOf(failure: FailureContext): string | undefined {
  const role = failure.settings?.role?.role
  return failure.facts.roleArn ?? (role && 'arn' in role ? role.arn : undefined)
}

/**
 * The partition for ARNs a diagnosis suggests (arn:<partition>:iam::…): the role ARN's, else the
 * region's, else `aws`. Suggested policies must name principals of the role's own partition.
 */
export function partitionOf(failure: FailureContext): string {
  const fromArn = /^arn:(aws(?:-[a-z]+)*):/.exec(roleArnOf(failure) ?? '')?.[1]
  if (fromArn) return fromArn
  const region = failure.settings?.region
  return region && isAwsRegion(region) ? partitionOfRegion(region) : 'aws'
}

/**
 * For any AccessDenied: IAM is eventually consistent, and this action does not retry AccessDenied
 * (docs/failures.md says why), so a change made a moment ago can be the cause.
 */
export const EVENTUAL_CONSISTENCY =
  'If the role or its trust policy was created or changed in the last minute or two, IAM may not have propagated the change yet (IAM is eventually consistent): re-run the job, or make the change in an earlier job. This step does not retry AccessDenied.'
