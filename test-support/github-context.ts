/**
 * The one GitHub run the tests run in: octo-org/octo-repo's `deploy` workflow on main. It is given
 * as the runner's GITHUB_* variables (steps and in-process runs) and as the RunContext readSettings
 * takes, with the session tags the action derives from each.
 */
import type { RunContext } from '../src/runner/github-context.js'

/** The variables that name the run, as the runner sets them for a push to main. */
export const RUN_ENV = {
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_ACTION: '__self',
  GITHUB_ACTOR: 'octocat',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_EVENT_NAME: 'push'
} as const

export const REPOSITORY_OWNER = 'octo-org'
export const RUN_ID = '4242'

/** The session tags of RUN_ENV alone (no run ID, job or base/head ref: 8 of the 13 keys). */
export const PUSH_TAGS = [
  { Key: 'GitHub', Value: 'Actions' },
  { Key: 'Repository', Value: RUN_ENV.GITHUB_REPOSITORY },
  { Key: 'Workflow', Value: RUN_ENV.GITHUB_WORKFLOW },
  { Key: 'Action', Value: RUN_ENV.GITHUB_ACTION },
  { Key: 'Actor', Value: RUN_ENV.GITHUB_ACTOR },
  { Key: 'Commit', Value: RUN_ENV.GITHUB_SHA },
  { Key: 'Branch', Value: RUN_ENV.GITHUB_REF },
  { Key: 'EventName', Value: RUN_ENV.GITHUB_EVENT_NAME }
]

/** The same run as a pull request from feature/x, so that all 13 context tags are set. */
export const PULL_REQUEST_CONTEXT: RunContext = {
  repository: RUN_ENV.GITHUB_REPOSITORY,
  workflow: RUN_ENV.GITHUB_WORKFLOW,
  action: RUN_ENV.GITHUB_ACTION,
  actor: RUN_ENV.GITHUB_ACTOR,
  sha: RUN_ENV.GITHUB_SHA,
  ref: RUN_ENV.GITHUB_REF,
  eventName: 'pull_request',
  baseRef: 'main',
  headRef: 'feature/x',
  runId: RUN_ID,
  job: 'deploy-job',
  triggeringActor: RUN_ENV.GITHUB_ACTOR,
  payload: {}
}

/** The session tags of PULL_REQUEST_CONTEXT, in the order the action sends them. */
export const PULL_REQUEST_TAGS = [
  ...PUSH_TAGS.slice(0, -1),
  { Key: 'EventName', Value: 'pull_request' },
  { Key: 'BaseRef', Value: 'main' },
  { Key: 'HeadRef', Value: 'feature/x' },
  { Key: 'RunId', Value: RUN_ID },
  { Key: 'Job', Value: 'deploy-job' },
  { Key: 'TriggeringActor', Value: RUN_ENV.GITHUB_ACTOR }
]

/** A run that names only its repository: no context tag beyond GitHub and Repository. */
export const REPOSITORY_ONLY_CONTEXT: RunContext = {
  repository: RUN_ENV.GITHUB_REPOSITORY,
  payload: {}
}
