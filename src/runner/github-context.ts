/**
 * The run's context (repository, workflow, ref, event) from @actions/github's Context class, which
 * reads only the GITHUB_* variables and the event file, plus the few variables it does not read
 * (base and head ref, job, triggering actor) straight from the environment, as
 * configure-aws-credentials reads them for its session tags. It is imported by path (see
 * runner/actions-toolkit.ts) because the package index also loads Octokit, which this action never calls.
 */
import { Context } from './actions-toolkit.js'

export interface RunContext {
  repository?: string
  workflow?: string
  action?: string
  actor?: string
  sha?: string
  ref?: string
  eventName?: string
  baseRef?: string
  headRef?: string
  /** As the runner sets GITHUB_RUN_ID: a decimal string. */
  runId?: string
  job?: string
  triggeringActor?: string
  /** The event payload; used to explain failures (a pull request from a fork gets no ID token). */
  payload: Record<string, unknown>
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const context = new Context()
  return {
    repository: env.GITHUB_REPOSITORY,
    workflow: context.workflow,
    action: context.action,
    actor: context.actor,
    sha: context.sha,
    ref: context.ref,
    eventName: context.eventName,
    baseRef: env.GITHUB_BASE_REF,
    headRef: env.GITHUB_HEAD_REF,
    runId: env.GITHUB_RUN_ID,
    job: env.GITHUB_JOB,
    triggeringActor: env.GITHUB_TRIGGERING_ACTOR,
    payload: context.payload
  }
}
