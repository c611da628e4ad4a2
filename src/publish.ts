/**
 * Hands a session to the rest of the job: environment variables, step outputs, and the state the
 * post step needs. Called only once everything has succeeded, so a failure exports nothing.
 */
import type { Outcome } from './assume.js'
import { exportVariable, info, setOutput } from './runner.js'
import type { Settings } from './settings.js'
import { saveExportedVariables } from './state.js'

const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']
/** Variables that would make the AWS CLI and SDKs prefer another identity over ours. */
const COMPETING_VARIABLES = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']

export function publish(settings: Settings, outcome: Outcome): void {
  const { session } = outcome
  const exported: string[] = []
  const set = (name: string, value: string): void => {
    exportVariable(name, value)
    exported.push(name)
  }

  // Existing credentials that work are already in the environment: leave them be.
  if (settings.outputEnvCredentials && outcome.via !== 'existing credentials') {
    set('AWS_ACCESS_KEY_ID', session.credentials.accessKeyId)
    set('AWS_SECRET_ACCESS_KEY', session.credentials.secretAccessKey)
    // Blank a token left by an earlier step: with long-term keys it would make every call fail.
    set('AWS_SESSION_TOKEN', session.credentials.sessionToken ?? '')
  } else if (settings.unsetCurrentCredentials) {
    for (const name of CREDENTIAL_VARIABLES) set(name, '')
  }
  if (settings.unsetCurrentCredentials) {
    for (const name of COMPETING_VARIABLES) if (process.env[name]) set(name, '')
  }
  set('AWS_REGION', settings.region)
  set('AWS_DEFAULT_REGION', settings.region)

  setOutput('aws-account-id', session.accountId)
  setOutput('authenticated-arn', session.arn)
  if (settings.outputCredentials) {
    setOutput('aws-access-key-id', session.credentials.accessKeyId)
    setOutput('aws-secret-access-key', session.credentials.secretAccessKey)
    setOutput('aws-session-token', session.credentials.sessionToken ?? '')
    setOutput('aws-expiration', session.credentials.expiration?.toISOString() ?? '')
  }
  saveExportedVariables(exported)

  const expiry = session.credentials.expiration
  const account = session.accountId ? ` in account ${session.accountId}` : ''
  info(
    `${outcome.via.endsWith('credentials') ? 'Using' : 'Assumed'} ${session.arn}${account}` +
      ` (${outcome.via}${expiry ? `, expires ${expiry.toISOString()}` : ''})`
  )
}
