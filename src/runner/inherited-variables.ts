/**
 * What earlier steps left in the job's environment that competes with what this step exports, and
 * what to do about it. GITHUB_ENV cannot unset a variable (`NAME=` sets it to ""), and the AWS
 * consumers treat an empty profile variable differently, so a profile variable is never blanked:
 *
 * | job environment                     | AWS CLI v2 / botocore            | JS SDK v3              | Go SDK v2             |
 * |-------------------------------------|----------------------------------|------------------------|-----------------------|
 * | AWS_PROFILE="" (or _DEFAULT_)       | fails: "config profile ()"       | env keys               | env keys              |
 * | AWS_PROFILE=existing + env keys     | env keys                         | the profile (warns)    | the profile           |
 * | AWS_PROFILE=missing + env keys      | fails: "config profile (missing)"| fails                  | fails                 |
 * | AWS_DEFAULT_PROFILE=X + env keys    | env keys (X must exist)          | env keys (ignores it)  | the profile X         |
 *
 * Sources: the AWS CLI 2.9 (Debian awscli) run with each combination (tested in
 * __tests__/e2e/current-credentials.test.ts); @aws-sdk/credential-provider-node `defaultProvider`
 * (AWS_PROFILE set → "skipping fromEnv provider"); aws-sdk-go-v2 `config/env_config.go`
 * `setStringFromEnvVal` (first non-empty of AWS_PROFILE, AWS_DEFAULT_PROFILE) and
 * `config/resolve_credentials.go` (a profile set wins over env keys). Blanking a profile an earlier
 * step set would break every later CLI step; leaving it breaks nothing that worked before, so it
 * stays and a warning says which SDKs keep using it. Empty credential variables are harmless to
 * all three (they count as unset), so those may be blanked.
 */

import { quote } from '../rules/input-error.js'

export const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN'
] as const
export const PROFILE_VARIABLES = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'] as const

export type ProfileVariable = (typeof PROFILE_VARIABLES)[number]

export interface InheritedVariables {
  /** Credential variables an earlier step set to a non-empty value (names only). */
  credentials: string[]
  /** Profile variables present in the job's environment, with their values (possibly empty). */
  profiles: Array<{ name: ProfileVariable; value: string }>
}

/** Read once, before unset-current-credentials removes them from this process. */
export function readInherited(env: NodeJS.ProcessEnv): InheritedVariables {
  return {
    credentials: CREDENTIAL_VARIABLES.filter(name => Boolean(env[name])),
    profiles: PROFILE_VARIABLES.flatMap(name => {
      const value = env[name]
      return value === undefined ? [] : [{ name, value }]
    })
  }
}

/**
 * The warnings for profile variables that stay in place while this step exports keys (`exportsKeys`)
 * or sets AWS_PROFILE itself (`setsProfile`). Values are profile names, not secrets, but they came
 * from outside, so they are shown quoted (control characters escaped, long values cut).
 */
export function profileWarnings(
  inherited: InheritedVariables,
  exportsKeys: boolean,
  setsProfile: boolean
): string[] {
  if (setsProfile) return []
  const warnings: string[] = []
  const empty = inherited.profiles.filter(entry => entry.value === '')
  const named = inherited.profiles.filter(entry => entry.value !== '')
  if (empty.length > 0) {
    const names = empty.map(entry => entry.name).join(' and ')
    warnings.push(
      `${names} ${empty.length > 1 ? 'are' : 'is'} set to an empty value by an earlier step: the AWS CLI and boto3 fail in later steps with "The config profile () could not be found". GITHUB_ENV cannot unset a variable; remove the step that exports it empty, or set aws-profile here so AWS_PROFILE names the profile this step writes.`
    )
  }
  if (exportsKeys && named.length > 0) {
    const shown = named.map(entry => `${entry.name}=${quote(entry.value)}`).join(' and ')
    const sdks = named.some(entry => entry.name === 'AWS_PROFILE')
      ? 'the JavaScript and Go SDKs (and tools built on them: CDK, Terraform, Pulumi)'
      : 'the Go SDK (and tools built on it: Terraform, Pulumi)'
    warnings.push(
      `${shown} from an earlier step stays set (blanking it would break the AWS CLI): the AWS CLI and boto3 use the credentials exported here, but ${sdks} keep using that profile. To hand these credentials to every tool, set aws-profile here (AWS_PROFILE then names the profile this step writes).`
    )
  }
  return warnings
}
