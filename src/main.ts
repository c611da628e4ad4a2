/**
 * The main step: inputs → plan → source identity → one STS call per role → publish (environment,
 * outputs, profiles). Any failure becomes one ::error annotation and a step-summary section,
 * redacted, with nothing exported and no profile written (diagnose/report.ts).
 */
import { reportFailure } from './diagnose/report.js'
import { earlyMasks, roleAccounts } from './inputs/early-masks.js'
import { readSettings } from './inputs/index.js'
import { withStsEndpoint } from './network/endpoint-resolution.js'
import { letConnectionsProgress, preconnect, type Preconnect } from './network/preconnect.js'
import { checkAllowedAccount } from './rules/allowed-accounts.js'
import { checkTokenRequestUrl } from './rules/endpoint.js'
import { getInput, getRawInput, info, setSecret, warning } from './runner/commands.js'
import { startDeadline } from './runner/deadline.js'
import { readRunContext } from './runner/github-context.js'
import { CREDENTIAL_VARIABLES, PROFILE_VARIABLES } from './runner/inherited-variables.js'
import { maskSecret } from './runner/secrets.js'
import type { Settings } from './settings.js'

export async function run(): Promise<void> {
  // Masks first: nothing can print a source key, a proxy password or a masked account after this.
  const { secrets, maskAccounts } = earlyMasks(getInput, process.env)
  for (const secret of secrets) maskSecret(secret)
  const context = readRunContext()
  let settings: Settings | undefined
  let deadline: AbortSignal | undefined
  let warm: Preconnect | undefined
  try {
    settings = readSettings({ get: getInput, raw: getRawInput }, process.env, context)
    announce(settings)
    for (const account of roleAccounts(settings)) setSecret(account)
    // The one endpoint every STS call goes to, and the cleartext rule, before any request.
    const endpoint = await withStsEndpoint(settings, process.env)
    settings = endpoint.settings
    if (endpoint.warning) warning(endpoint.warning)
    if (settings.source.kind === 'github-oidc') checkTokenRequestUrl(settings.source.requestUrl)
    // Profiles load only where used: what runs before the connections open, every run waits for.
    const profiling = writesProfiles(settings)
      ? await import('./profiles/named-profiles.js')
      : undefined
    await profiling?.checkProfilesFree(settings, process.env)
    deadline = startDeadline(settings.retry.actionTimeoutMs)
    // Connect first, then load the SDK (it comes with assume.js): the handshakes run meanwhile.
    warm = preconnect(settings, process.env)
    await letConnectionsProgress()
    const { Assumer, obtainSessions } = await import('./assume.js')
    // Loaded while the calls are on the wire, not after the answer; awaited only on success.
    const publishing = import('./publish.js')
    publishing.catch(() => undefined)
    const assumer = new Assumer(settings, process.env, deadline, warm)
    const { outcome, profiles } = await obtainSessions(assumer, settings)
    for (const { session } of [...(outcome ? [outcome] : []), ...profiles.map(p => p.outcome)]) {
      if (settings.maskAccountId) [session.accountId, session.arn].forEach(setSecret)
      checkAllowedAccount(settings.allowedAccountIds, session.accountId)
    }
    const { publish } = await publishing
    if (profiles.length > 0) await profiling?.writeProfiles(settings, profiles, process.env)
    await publish(settings, outcome, profiles)
  } catch (error) {
    const timeoutMs = deadline?.aborted ? settings?.retry.actionTimeoutMs : undefined
    await reportFailure(error, { settings, context, timeoutMs, maskAccounts })
  } finally {
    warm?.close()
  }
}

/**
 * What the plan says before anything runs: which variable filled an empty input (never the
 * value), one warning per input given but ignored; and unset-current-credentials, in this process
 * only (the job keeps them until publish replaces them on success).
 */
function announce(settings: Settings): void {
  for (const { input, variable } of settings.inputsFromEnvironment) {
    info(`Input ${input}: from the environment variable ${variable}`)
  }
  for (const line of settings.warnings) warning(line, { title: 'Input ignored' })
  if (settings.unsetCurrentCredentials) {
    for (const name of [...CREDENTIAL_VARIABLES, ...PROFILE_VARIABLES]) {
      Reflect.deleteProperty(process.env, name)
    }
  }
}

/** Whether the run writes (and so first checks) named profiles or a credential_process launcher. */
function writesProfiles(settings: Settings): boolean {
  return (
    Boolean(settings.profile) || settings.profileRoles.length > 0 || settings.refreshCredentials
  )
}
