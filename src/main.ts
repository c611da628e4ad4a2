/**
 * The main step: inputs → plan → source identity → one STS call per role → publish (environment,
 * outputs, profiles). Any failure becomes one ::error annotation and a step-summary section,
 * redacted, with nothing exported and no profile written.
 */
import type { Assumer, AttemptRecord, Outcome, Source } from './assume.js'
import { diagnose, type TokenClaims } from './diagnose.js'
import { readRunContext, type RunContext } from './github-context.js'
import { readSettings } from './inputs.js'
import { letConnectionsProgress, preconnect, type Preconnect } from './preconnect.js'
import { checkProfilesFree, writeProfiles, type ProfileEntry } from './profiles.js'
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

/** A role of role-profiles failed; the cause is diagnosed as usual, with the profile named. */
export class ProfileError extends Error {
  constructor(
    readonly profile: string,
    readonly roleArn: string,
    readonly failure: unknown
  ) {
    super(`profile ${profile}`)
    this.name = 'ProfileError'
  }
}

export async function run(): Promise<void> {
  // Mask the source secrets before anything else runs: nothing can print them after this.
  maskSecret(getInput('aws-secret-access-key'))
  maskSecret(getInput('aws-session-token'))

  const context = readRunContext()
  const record: AttemptRecord = {}
  let settings: Settings | undefined
  let deadline: AbortSignal | undefined
  let warm: Preconnect | undefined
  try {
    settings = readSettings({ get: getInput, raw: getRawInput }, process.env, context)
    if (settings.unsetCurrentCredentials) {
      // Only in this process: the job keeps them until publish replaces them on success.
      for (const name of CURRENT_CREDENTIALS) Reflect.deleteProperty(process.env, name)
    }
    maskAccountOfRole(settings)
    await checkProfilesFree(settings, process.env)
    deadline = startDeadline(settings.retry.actionTimeoutMs)
    // Connect first, then load the SDK (it comes with assume.js): the handshakes run meanwhile.
    warm = preconnect(settings, process.env)
    await letConnectionsProgress()
    const { Assumer } = await import('./assume.js')
    const assumer = new Assumer(settings, process.env, deadline, record, warm?.agents)

    const { outcome, profiles } = await obtainSessions(assumer, settings)
    for (const session of [outcome?.session, ...profiles.map(entry => entry.outcome.session)]) {
      if (!session) continue
      if (settings.maskAccountId) {
        setSecret(session.accountId)
        setSecret(session.arn)
      }
      checkAllowedAccount(settings.allowedAccountIds, session.accountId)
    }
    const backup =
      profiles.length > 0 ? await writeProfiles(settings, profiles, process.env) : undefined
    await publish(settings, outcome, profiles, backup)
  } catch (error) {
    const timedOut = deadline?.aborted ? settings?.retry.actionTimeoutMs : undefined
    await reportFailure(error, settings, context, record, timedOut)
  } finally {
    warm?.close()
  }
}

/**
 * The session for role-to-assume (or the source keys alone), and one per role-profiles entry,
 * all from one source identity and all in parallel. Any role failing fails the whole step.
 */
async function obtainSessions(
  assumer: Assumer,
  settings: Settings
): Promise<{ outcome?: Outcome; profiles: ProfileEntry[] }> {
  const existing = settings.useExistingCredentials ? await assumer.existingSession() : undefined
  const wantsMain = !existing && (settings.role !== undefined || settings.profileRoles.length === 0)
  const source: Source | undefined =
    wantsMain || settings.profileRoles.length > 0 ? await assumer.source() : undefined
  const main = async (): Promise<Outcome | undefined> => {
    if (!wantsMain || !source) return existing
    return settings.role ? assumer.assume(source, settings.role) : assumer.sourceSession(source)
  }
  // Settle everything before judging, so no call is left running when the step fails.
  const [[mainResult], roleResults] = await Promise.all([
    Promise.allSettled([main()]),
    Promise.allSettled(
      settings.profileRoles.map(entry =>
        source
          ? assumer.assume(source, entry.request, entry.region)
          : Promise.reject(new Error('no source'))
      )
    )
  ])
  if (mainResult?.status === 'rejected') throw mainResult.reason
  const outcome = mainResult?.value
  const profiles: ProfileEntry[] = []
  if (outcome && settings.profile) {
    profiles.push({
      profile: settings.profile.name,
      region: settings.region,
      outcome,
      request: settings.role
    })
  }
  settings.profileRoles.forEach((entry, index) => {
    const result = roleResults[index]
    if (result?.status === 'rejected') {
      throw new ProfileError(entry.profile, entry.request.role.arn, result.reason)
    }
    if (result) {
      profiles.push({
        profile: entry.profile,
        region: entry.region,
        outcome: result.value,
        request: entry.request
      })
    }
  })
  return { outcome, profiles }
}

/** With mask-aws-account-id, the account in the role ARN is masked before any line can show it. */
function maskAccountOfRole(settings: Settings): void {
  if (!settings.maskAccountId) return
  const role = settings.role?.role
  if (role && 'arn' in role) setSecret(role.accountId)
  for (const entry of settings.profileRoles) setSecret(entry.request.role.accountId)
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
  let cause = error
  if (error instanceof ProfileError) {
    cause = error.failure
    record.roleArn = error.roleArn
    record.profile = error.profile
  }
  const claims = record.idToken ? await decodeClaims(record.idToken) : undefined
  const diagnosis = diagnose(cause, {
    settings,
    env: process.env,
    context,
    record,
    claims,
    timeoutMs
  })
  const prefix = record.profile ? `Profile ${record.profile}: ` : ''
  setFailed(redact(prefix + diagnosis.message), { title: redact(prefix + diagnosis.title) })
  if (isDebug() && cause instanceof Error && cause.stack) debug(redact(cause.stack))
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
