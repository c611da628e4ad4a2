/**
 * A failed step's report: one redacted ::error annotation (a title, the cause and the fix), the
 * stack in debug mode, and a step-summary section. The one part of diagnose/ that prints; the
 * diagnosis itself (index.ts) loads only here, on failure.
 */
import { accountIdsIn } from '../inputs/early-masks.js'
import type { RunContext } from '../runner/github-context.js'
import { appendSummary, debug, isDebug, setFailed } from '../runner/commands.js'
import { clip } from '../runner/log-text.js'
import { maskSecret, redact } from '../runner/secrets.js'
import type { Settings } from '../settings.js'
import { unwrapFailure } from './attempt-error.js'
import type { TokenClaims } from './cause.js'

/** A server's error text can be long (up to the 1 MiB answer cap); real diagnoses are far shorter. */
const MAX_ANNOTATION = 2_000
const MAX_TITLE = 200
const MAX_SUMMARY = 65_536

/** What a failure is explained with, besides the error and the facts it carries. */
export interface FailureReport {
  settings: Settings | undefined
  context: RunContext
  timeoutMs: number | undefined
  /** mask-aws-account-id as read before validation, for failures before the plan exists. */
  maskAccounts: boolean
}

export async function reportFailure(error: unknown, report: FailureReport): Promise<void> {
  // What the diagnosis needs travels on the error (attempt-error.ts): unwrap it once here.
  const { failure: cause, facts, profile } = unwrapFailure(error)
  const claims = facts.idToken ? await decodeClaims(facts.idToken) : undefined
  // Loaded only on failure: it names the SDK's error classes, and the SDK must not load before
  // the early connections are open (network/preconnect.ts).
  const { diagnose } = await import('./index.js')
  const diagnosis = diagnose(cause, { ...report, env: process.env, facts, claims })
  if (report.settings?.maskAccountId ?? report.maskAccounts) {
    // The caller's ARN names the source account and its user (STS's "User: arn:… is not
    // authorized", or the one the attempt learned); every account ID the text shows goes too.
    const named = /User: (arn:\S+) is not authorized/.exec(
      cause instanceof Error ? cause.message : ''
    )?.[1]
    for (const arn of [facts.callerArn, named]) maskSecret(arn)
    const text = `${diagnosis.title}\n${diagnosis.message}\n${diagnosis.details}`
    for (const account of accountIdsIn(text)) maskSecret(account)
  }
  const prefix = profile ? `Profile ${profile}: ` : ''
  // Cut only after redaction: a secret cut in half would no longer be recognised.
  setFailed(clip(redact(prefix + diagnosis.message), MAX_ANNOTATION), {
    title: clip(redact(prefix + diagnosis.title), MAX_TITLE)
  })
  if (isDebug() && cause instanceof Error && cause.stack) {
    for (const line of redact(cause.stack).split('\n')) debug(line)
  }
  try {
    await appendSummary(clip(redact(diagnosis.details), MAX_SUMMARY))
  } catch {
    // The summary is a courtesy; the annotation above already carries the cause.
  }
}

/** The token's claims, decoded without verification: only to explain a refusal. */
async function decodeClaims(token: string): Promise<TokenClaims | undefined> {
  try {
    const { decodeJwt } = await import('jose/jwt/decode')
    return decodeJwt(token)
  } catch {
    return undefined
  }
}
