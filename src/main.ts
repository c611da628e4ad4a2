/**
 * The main step: inputs → plan → source identity → one STS call → publish. Any failure becomes
 * one ::error annotation and a step-summary section, redacted, with nothing exported.
 */
import { Assumer, type AttemptRecord, type Outcome } from './assume.js'
import { diagnose, type TokenClaims } from './diagnose.js'
import { readRunContext, type RunContext } from './github-context.js'
import { readSettings } from './inputs.js'
import { publish } from './publish.js'
import { checkAllowedAccount } from './rules/allowed-accounts.js'
import {
  appendSummary,
  debug,
  getInput,
  getRawInput,
  isDebug,
  setFailed,
  setSecret
} from './runner.js'
import { maskSecret, redact } from './secrets.js'
import type { Settings } from './settings.js'

/** Credentials the job may carry that must not be used when unset-current-credentials is true. */
const CURRENT_CREDENTIALS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE'
]
/** After action-timeout-s, this much grace for aborted calls to unwind before the process exits. */
const EXIT_GRACE_MS = 3_000

export async function run(): Promise<void> {
  // Mask the source secrets before anything else runs: nothing can print them after this.
  maskSecret(getInput('aws-secret-access-key'))
  maskSecret(getInput('aws-session-token'))

  const context = readRunContext()
  const record: AttemptRecord = {}
  let settings: Settings | undefined
  let deadline: AbortSignal | undefined
  try {
    settings = readSettings({ get: getInput, raw: getRawInput }, process.env, context)
    if (settings.unsetCurrentCredentials) {
      // Only in this process: the job keeps them until publish replaces them on success.
      for (const name of CURRENT_CREDENTIALS) Reflect.deleteProperty(process.env, name)
    }
    maskAccountOfRole(settings)
    deadline = startDeadline(settings.retry.actionTimeoutMs)
    const outcome = await obtainSession(
      new Assumer(settings, process.env, deadline, record),
      settings
    )
    if (settings.maskAccountId) {
      setSecret(outcome.session.accountId)
      setSecret(outcome.session.arn)
    }
    checkAllowedAccount(settings.allowedAccountIds, outcome.session.accountId)
    publish(settings, outcome)
  } catch (error) {
    await reportFailure(
      error,
      settings,
      context,
      record,
      deadline?.aborted ? settings?.retry.actionTimeoutMs : undefined
    )
  }
}

/** The session for role-to-assume, or for the source keys alone; use-existing-credentials first. */
async function obtainSession(assumer: Assumer, settings: Settings): Promise<Outcome> {
  const existing = settings.useExistingCredentials ? await assumer.existingSession() : undefined
  if (existing) return existing
  const source = await assumer.source()
  return settings.role ? assumer.assume(source, settings.role) : assumer.sourceSession(source)
}

/** With mask-aws-account-id, the account in the role ARN is masked before any line can show it. */
function maskAccountOfRole(settings: Settings): void {
  const role = settings.role?.role
  if (settings.maskAccountId && role && 'arn' in role) setSecret(role.accountId)
}

function startDeadline(timeoutMs: number | undefined): AbortSignal {
  if (!timeoutMs) return new AbortController().signal
  // A backstop in case something ignores the abort signal; unref'd so it never delays a normal exit.
  setTimeout(() => {
    setFailed(
      `The step did not finish within action-timeout-s (${Math.round(timeoutMs / 1000)} s).`,
      {
        title: 'Timed out'
      }
    )
    process.exit(1)
  }, timeoutMs + EXIT_GRACE_MS).unref()
  return AbortSignal.timeout(timeoutMs)
}

async function reportFailure(
  error: unknown,
  settings: Settings | undefined,
  context: RunContext,
  record: AttemptRecord,
  timeoutMs: number | undefined
): Promise<void> {
  const claims = record.idToken ? await decodeClaims(record.idToken) : undefined
  const diagnosis = diagnose(error, {
    settings,
    env: process.env,
    context,
    record,
    claims,
    timeoutMs
  })
  setFailed(redact(diagnosis.message), { title: redact(diagnosis.title) })
  if (isDebug() && error instanceof Error && error.stack) debug(redact(error.stack))
  try {
    await appendSummary(redact(diagnosis.details))
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
