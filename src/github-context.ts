/**
 * The run's context (repository, workflow, ref, event) from @actions/github's Context class, which
 * reads only the GITHUB_* variables and the event file. It is imported by path
 * because the package index also loads Octokit (~140 KB minified) that this action never calls.
 */
import { Context } from '../node_modules/@actions/github/lib/context.js'

export interface RunContext {
  repository?: string
  workflow?: string
  action?: string
  actor?: string
  sha?: string
  ref?: string
  eventName?: string
  /** The event payload; used to explain failures (a pull request from a fork gets no ID token). */
  payload: Record<string, unknown>
}

export function readRunContext(): RunContext {
  const context = new Context()
  return {
    repository: process.env.GITHUB_REPOSITORY,
    workflow: context.workflow,
    action: context.action,
    actor: context.actor,
    sha: context.sha,
    ref: context.ref,
    eventName: context.eventName,
    payload: context.payload
  }
}
