/**
 * The main step: inputs → plan → source identity → one STS call per role → publish (environment,
 * outputs, profiles). Any failure becomes one ::error annotation and a step-summary section,
 * redacted, with nothing exported and no profile written.
 */
import type { Assumer, Outcome, Source } from './assume.js'
import { ProfileError, unwrapFailure } from './attempt-error.js'
import type { TokenClaims } from './diagnose/index.js'
import { withStsEndpoint } from './endpoint-resolution.js'
import { INPUT_VARIABLES } from './environment-inputs.js'
import { PROXY_VARIABLES } from './inputs/network.js'
import { checkTokenRequestUrl, proxySecrets } from './rules/endpoint.js'
import { readRunContext, type RunContext } from './github-context.js'
import { CREDENTIAL_VARIABLES, PROFILE_VARIABLES } from './inherited-variables.js'
import { readSettings } from './inputs.js'
import { letConnectionsProgress, preconnect, type Preconnect } from './preconnect.js'
import type { ProfileEntry } from './profiles.js'
import { checkAllowedAccount } from './allowed-accounts.js'
import {
  appendSummary,
  debug,
  getInput,
  getRawInput,
  info,
  isDebug,
  setFailed,
  setSecret,
  warning
} from './runner.js'
import { clip } from './log-text.js'
import { maskSecret, redact } from './secrets.js'
import type { Settings } from './settings.js'

/** Credentials the job may carry that must not be used when unset-current-credentials is true. */
const CURRENT_CREDENTIALS = [...CREDENTIAL_VARIABLES, ...PROFILE_VARIABLES]
/** A server's error text can be long (up to the 1 MiB answer cap); real diagnoses are far shorter. */
const MAX_ANNOTATION = 2_000
const MAX_TITLE = 200
const MAX_SUMMARY = 65_536
/** After action-timeout-s, this much grace for aborted calls to unwind before the process exits. */
const EXIT_GRACE_MS = 3_000

export async function run(): Promise<void> {
  // Mask the source keys before anything else runs: nothing can print them after this. The key
  // ID too, as configure-aws-credentials does: it names the IAM user to whoever reads the log.
  maskSecret(getInput('aws-access-key-id'))
  maskSecret(getInput('aws-secret-access-key'))
  maskSecret(getInput('aws-session-token'))
  maskProxyCredentials()
  const maskAccounts = maskAccountsEarly()

  const context = readRunContext()
  let settings: Settings | undefined
  let deadline: AbortSignal | undefined
  let warm: Preconnect | undefined
  try {
    settings = readSettings({ get: getInput, raw: getRawInput }, process.env, context)
    // Which variable filled an empty input; never the value (one of them may be a secret's).
    for (const { input, variable } of settings.inputsFromEnvironment) {
      info(`Input ${input}: from the environment variable ${variable}`)
    }
    // What is given but ignored, one line each (an unknown input, tags web identity cannot take).
    for (const line of settings.warnings) warning(line, { title: 'Input ignored' })
    if (settings.unsetCurrentCredentials) {
      // Only in this process: the job keeps them until publish replaces them on success.
      for (const name of CURRENT_CREDENTIALS) Reflect.deleteProperty(process.env, name)
    }
    maskAccountOfRole(settings)
    // The one endpoint every STS call goes to, and the cleartext rule, before any request
    // (the ID token's included).
    const endpoint = await withStsEndpoint(settings, process.env)
    settings = endpoint.settings
    if (endpoint.warning) warning(endpoint.warning)
    if (settings.source.kind === 'github-oidc') checkTokenRequestUrl(settings.source.requestUrl)
    // Profile files, their launcher and publishing load only where used: what runs before the
    // connections open (preconnect.ts) is what every run waits for.
    const profiling = writesProfiles(settings) ? await import('./profiles.js') : undefined
    await profiling?.checkProfilesFree(settings, process.env)
    deadline = startDeadline(settings.retry.actionTimeoutMs)
    // Connect first, then load the SDK (it comes with assume.js): the handshakes run meanwhile.
    warm = preconnect(settings, process.env)
    await letConnectionsProgress()
    const { Assumer } = await import('./assume.js')
    const assumer = new Assumer(settings, process.env, deadline, warm)
    // Loaded while the calls are on the wire, not after the answer; awaited only on success.
    const publishing = import('./publish.js')
    publishing.catch(() => undefined)

    const { outcome, profiles } = await obtainSessions(assumer, settings)
    for (const session of [outcome?.session, ...profiles.map(entry => entry.outcome.session)]) {
      if (!session) continue
      if (settings.maskAccountId) {
        setSecret(session.accountId)
        setSecret(session.arn)
      }
      checkAllowedAccount(settings.allowedAccountIds, session.accountId)
    }
    const { publish } = await publishing
    if (profiles.length > 0 && profiling) {
      await profiling.writeProfiles(settings, profiles, process.env)
    }
    await publish(settings, outcome, profiles)
  } catch (error) {
    const timedOut = deadline?.aborted ? settings?.retry.actionTimeoutMs : undefined
    await reportFailure(error, { settings, context, timeoutMs: timedOut, maskAccounts })
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

/** Whether the run writes (and so first checks) named profiles or a credential_process launcher. */
function writesProfiles(settings: Settings): boolean {
  return (
    Boolean(settings.profile) || settings.profileRoles.length > 0 || settings.refreshCredentials
  )
}

/**
 * A proxy's user:password (http-proxy or any of the proxy variables) is masked before anything
 * can print it, well-formed or not (rules/endpoint.ts proxySecrets).
 */
function maskProxyCredentials(): void {
  const values = [getInput('http-proxy'), ...PROXY_VARIABLES.map(name => process.env[name] ?? '')]
  for (const value of values) for (const secret of proxySecrets(value)) maskSecret(secret)
}

/** An input, or the environment variable that fills it when empty (environment-inputs.ts). */
function inputOrVariable(name: string): string {
  const given = getInput(name)
  if (given) return given
  const variable = (INPUT_VARIABLES[name] ?? []).find(candidate => process.env[candidate])
  return variable ? (process.env[variable] ?? '').trim() : ''
}

/**
 * mask-aws-account-id (or MASK_AWS_ACCOUNT_ID) before the inputs are even validated: an error
 * about role-to-assume (or ROLE_TO_ASSUME) quotes it, account included. Any value other than
 * false counts here (an invalid one fails later, with the accounts already masked). Returns
 * whether account IDs are to be masked.
 */
function maskAccountsEarly(): boolean {
  const wanted = inputOrVariable('mask-aws-account-id')
  if (wanted === '' || /^false$/i.test(wanted)) return false
  for (const name of ['role-to-assume', 'role-profiles', 'allowed-account-ids']) {
    maskAccountIds(inputOrVariable(name))
  }
  return true
}

/** Every account ID (12 digits, not part of a longer number) in `text`. */
function maskAccountIds(text: string): void {
  for (const [account] of text.matchAll(/(?<!\d)\d{12}(?!\d)/g)) maskSecret(account)
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
  // Counted from the start of the process, as the person who set action-timeout-s would count.
  return AbortSignal.timeout(Math.max(0, Math.floor(timeoutMs - performance.now())))
}

/** What a failure is explained with, besides the error and the facts it carries. */
interface FailureReport {
  settings: Settings | undefined
  context: RunContext
  timeoutMs: number | undefined
  /** mask-aws-account-id as read before validation, for failures before the plan exists. */
  maskAccounts: boolean
}

async function reportFailure(error: unknown, report: FailureReport): Promise<void> {
  // What the diagnosis needs travels on the error (attempt-error.ts): unwrap it once here.
  const { failure: cause, facts, profile } = unwrapFailure(error)
  const claims = facts.idToken ? await decodeClaims(facts.idToken) : undefined
  // Loaded only on failure: it names the SDK's error classes, and the SDK must not load before
  // the early connections are open (preconnect.ts).
  const { diagnose } = await import('./diagnose/index.js')
  const diagnosis = diagnose(cause, { ...report, env: process.env, facts, claims })
  if (report.settings?.maskAccountId ?? report.maskAccounts) {
    // The caller's ARN names the source account and its user (STS's "User: arn:… is not
    // authorized", or the one the attempt learned); every account ID the text shows goes too.
    const named = /User: (arn:\S+) is not authorized/.exec(
      cause instanceof Error ? cause.message : ''
    )?.[1]
    for (const arn of [facts.callerArn, named]) maskSecret(arn)
    maskAccountIds(`${diagnosis.title}\n${diagnosis.message}\n${diagnosis.details}`)
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
