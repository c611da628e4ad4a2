/**
 * The shapes every diagnosis module shares: what comes out (a Diagnosis), what goes in (the
 * failure and its context), and what one cause is (a `matches`/`explain` pair).
 */
import type { AttemptFacts } from './attempt-error.js'
import type { RunContext } from '../runner/github-context.js'
import type { Settings } from '../settings.js'

export interface Diagnosis {
  title: string
  /** One or two sentences: the cause, then the fix. */
  message: string
  /** Markdown for the step summary. */
  details: string
}

/** Claims of GitHub's ID token worth showing; none of them is secret (the token is). */
export type TokenClaims = Record<string, unknown>

export interface FailureContext {
  settings?: Settings
  env: NodeJS.ProcessEnv
  context: RunContext
  /** What the failed attempt knew: the role, the caller, the ID token (diagnose/attempt-error.ts). */
  facts: AttemptFacts
  claims?: TokenClaims
  timeoutMs?: number
}

/** One failure as every cause sees it: the error, its context, and what the dispatcher read once. */
export interface Failure extends FailureContext {
  error: unknown
  /** The code STS (or a compatible server) answered with; undefined when STS did not answer. */
  stsCode?: string
  /** The code to show: STS's, else the error's name (`Error` when it has none). */
  code: string
  /** The error's text, for causes that quote STS. */
  message: string
  /** The role is assumed with a web identity token (GitHub OIDC or a token file). */
  webIdentity: boolean
}

/**
 * One cause of failure, in the shape of the AWS SDK's credential-provider-ini (`isX` decides,
 * `resolveX` acts): `matches` reads the failure, `explain` turns it into a Diagnosis. The first
 * entry that matches explains the failure, so order matters (index.ts lists them).
 */
export interface Cause {
  matches(failure: Failure): boolean
  explain(failure: Failure): Diagnosis
}
