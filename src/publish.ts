/**
 * Hands the sessions to the rest of the job: environment variables, step outputs, the profiles'
 * report, and the variables' state the post step needs (the profiles' undo record is saved by
 * profiles/named-profiles.ts before it writes). Called only once everything has succeeded, so a
 * failure exports nothing.
 */
import type { Outcome } from './network/sts.js'
import { markdownCode, markdownText } from './runner/log-text.js'
import type { ProfileEntry } from './profiles/named-profiles.js'
import { profileWarnings } from './runner/inherited-variables.js'
import { appendSummary, exportVariable, info, setOutput, warning } from './runner/commands.js'
import type { Settings } from './settings.js'
import { saveExportedVariables } from './runner/state.js'

export async function publish(
  settings: Settings,
  outcome: Outcome | undefined,
  profiles: ProfileEntry[]
): Promise<void> {
  const exported: string[] = []
  const set = (name: string, value: string): void => {
    exportVariable(name, value)
    exported.push(name)
  }

  // Credentials already in the job (use-existing-credentials, or the runner's own) stay put.
  const kept = outcome?.via === 'existing credentials' || outcome?.via === 'ambient credentials'
  const exportsKeys = Boolean(outcome && settings.outputEnvCredentials && !kept)
  // Only variables an earlier step set: an empty credential variable counts as unset everywhere,
  // but exporting one that was never there would still be noise for the post step to undo.
  if (settings.unsetCurrentCredentials && !exportsKeys) {
    for (const name of settings.inherited.credentials) set(name, '')
  }
  // Profile variables are never blanked (runner/inherited-variables.ts): say what stays in effect.
  for (const text of profileWarnings(settings.inherited, exportsKeys, Boolean(settings.profile))) {
    warning(text, { title: 'AWS profile variable from an earlier step' })
  }
  if (outcome?.via === 'source credentials' && settings.source.kind === 'access-keys') {
    sayKeysArePublished(Boolean(outcome.session.credentials.sessionToken))
  }
  if (outcome && exportsKeys) {
    const { credentials } = outcome.session
    set('AWS_ACCESS_KEY_ID', credentials.accessKeyId)
    set('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey)
    // Blank a token left by an earlier step: with long-term keys it would make every call fail.
    set('AWS_SESSION_TOKEN', credentials.sessionToken ?? '')
  }
  if (settings.profile) set('AWS_PROFILE', settings.profile.name)
  set('AWS_REGION', settings.region)
  set('AWS_DEFAULT_REGION', settings.region)

  if (outcome) {
    const { session } = outcome
    setOutput('aws-account-id', session.accountId)
    setOutput('authenticated-arn', session.arn)
    // Like configure-aws-credentials, the runner's own credentials are never handed out.
    if (settings.outputCredentials && outcome.via !== 'ambient credentials') {
      setOutput('aws-access-key-id', session.credentials.accessKeyId)
      setOutput('aws-secret-access-key', session.credentials.secretAccessKey)
      setOutput('aws-session-token', session.credentials.sessionToken ?? '')
      setOutput('aws-expiration', session.credentials.expiration?.toISOString() ?? '')
    }
    info(describe(outcome))
  }
  // Keep the order: a post step must find everything this step may have left behind.
  saveExportedVariables(exported.filter((name, index) => exported.indexOf(name) === index))
  if (profiles.length > 0) await reportProfiles(settings, profiles)
}

/**
 * Keys without a role are handed on as they are. A role-to-assume left empty by a secret that is
 * not set looks exactly like no role at all, so the one case that hands on long-lived keys says so.
 */
function sayKeysArePublished(temporary: boolean): void {
  if (temporary) {
    info('No role-to-assume: the temporary access keys given as inputs are used as they are.')
    return
  }
  warning(
    'No role-to-assume: the long-lived access keys given as inputs are themselves what later steps get, not a temporary role session. If a role was meant, check that role-to-assume is set (a secret that is not set gives an empty value).',
    { title: 'Long-lived access keys exported' }
  )
}

function describe(outcome: Outcome, profile?: string): string {
  const { session, via } = outcome
  const expiry = session.credentials.expiration
  const account = session.accountId ? ` in account ${session.accountId}` : ''
  const where = profile ? `Profile ${profile}: ` : ''
  return (
    `${where}${via.endsWith('credentials') ? 'Using' : 'Assumed'} ${session.arn}${account}` +
    ` (${via}${expiry ? `, expires ${expiry.toISOString()}` : ''})`
  )
}

async function reportProfiles(settings: Settings, profiles: ProfileEntry[]): Promise<void> {
  const renewal = settings.refreshCredentials ? 'renewed by the CLI/SDK' : 'static keys'
  const rows = profiles.map(entry => {
    info(describe(entry.outcome, entry.profile))
    const { session } = entry.outcome
    return `| ${markdownCode(entry.profile)} | ${markdownCode(session.arn)} | ${markdownText(entry.region)} | ${session.credentials.expiration?.toISOString() ?? ''} | ${renewal} |`
  })
  await appendSummary(
    `### Assume AWS role: profiles written\n\n| profile | session | region | expires | credentials |\n|---|---|---|---|---|\n${rows.join('\n')}\n`
  )
}
