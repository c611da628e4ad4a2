/**
 * What the main step masks before any input is validated, worked out from the raw inputs (pure:
 * main.ts passes each value to maskSecret). An error about an input quotes it, so whatever a
 * line could show must be masked before the first check runs: the source keys, a proxy's
 * user:password, and with mask-aws-account-id every account ID the inputs name.
 */
import { INPUT_VARIABLES } from '../runner/environment-inputs.js'
import { proxySecrets } from '../rules/endpoint.js'
import type { Settings } from '../settings.js'
import { PROXY_VARIABLES } from './network.js'

/** The raw value of an input as the step received it. */
export type RawInput = (name: string) => string

/** The values to mask before validation, and whether account IDs are masked at all. */
export interface EarlyMasks {
  secrets: string[]
  maskAccounts: boolean
}

export function earlyMasks(input: RawInput, env: NodeJS.ProcessEnv): EarlyMasks {
  // The key ID too, as configure-aws-credentials does: it names the IAM user to whoever reads the log.
  const secrets = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'].map(input)
  // A proxy's user:password (http-proxy or any of the proxy variables), well-formed or not.
  for (const value of [input('http-proxy'), ...PROXY_VARIABLES.map(name => env[name] ?? '')]) {
    secrets.push(...proxySecrets(value))
  }
  // mask-aws-account-id (or MASK_AWS_ACCOUNT_ID): any value but false counts here; an invalid one
  // fails later, with the accounts already masked. An error about role-to-assume (or
  // ROLE_TO_ASSUME) quotes it, account included.
  const wanted = inputOrVariable(input, env, 'mask-aws-account-id')
  const maskAccounts = wanted !== '' && !/^false$/i.test(wanted)
  if (maskAccounts) {
    for (const name of ['role-to-assume', 'role-profiles', 'allowed-account-ids']) {
      secrets.push(...accountIdsIn(inputOrVariable(input, env, name)))
    }
  }
  return { secrets: secrets.filter(Boolean), maskAccounts }
}

/** With mask-aws-account-id, the accounts of the plan's role ARNs (masked before any line can show them). */
export function roleAccounts(settings: Settings): string[] {
  if (!settings.maskAccountId) return []
  const role = settings.role?.role
  return [
    ...(role && 'arn' in role ? [role.accountId] : []),
    ...settings.profileRoles.map(entry => entry.request.role.accountId)
  ]
}

/** Every account ID (12 digits, not part of a longer number) in `text`. */
export function accountIdsIn(text: string): string[] {
  return [...text.matchAll(/(?<!\d)\d{12}(?!\d)/g)].map(([account]) => account)
}

/** An input, or the environment variable that fills it when empty (runner/environment-inputs.ts). */
function inputOrVariable(input: RawInput, env: NodeJS.ProcessEnv, name: string): string {
  const given = input(name)
  if (given) return given
  const variable = (INPUT_VARIABLES[name] ?? []).find(candidate => env[candidate])
  return variable ? (env[variable] ?? '').trim() : ''
}
