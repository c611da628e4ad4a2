/**
 * Credentials the SDK's own default chain finds on the runner (self-hosted runners: a profile, a
 * container or instance role, a web identity token file). Resolved here rather than inside the STS
 * client so they are masked the moment the chain returns them and one line can say where they came
 * from, without any secret.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node'
import type { AwsCredentialIdentity } from '@smithy/types'
import { quote } from '../rules/input-error.js'
import { maskSecret } from '../runner/secrets.js'

export interface ChainCredentials {
  credentials: AwsCredentialIdentity
  /** "from the instance role", "from profile \"ci\"", …: never a key or token. */
  origin: string
}

export async function fromDefaultChain(env: NodeJS.ProcessEnv): Promise<ChainCredentials> {
  const credentials = await defaultProvider()()
  maskSecret(credentials.accessKeyId)
  maskSecret(credentials.secretAccessKey)
  maskSecret(credentials.sessionToken)
  return { credentials, origin: originOf(credentials, env) }
}

/**
 * The SDK tags what it returns with the providers used (`$source`, its feature IDs, e.g.
 * CREDENTIALS_PROFILE in @aws-sdk/credential-provider-ini, CREDENTIALS_HTTP in
 * credential-provider-http). Its remote provider tags nothing; like credential-provider-node's
 * `remoteProvider`, the container variables decide between the container and the instance role.
 */
export function originOf(credentials: AwsCredentialIdentity, env: NodeJS.ProcessEnv): string {
  const features = Object.keys((credentials as { $source?: object }).$source ?? {})
  const has = (prefix: string): boolean => features.some(name => name.startsWith(prefix))
  if (has('CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN')) {
    return 'from the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)'
  }
  if (has('CREDENTIALS_ENV_VARS')) {
    return 'from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment'
  }
  if (has('CREDENTIALS_PROFILE')) return `from profile ${quote(env.AWS_PROFILE || 'default')}`
  if (has('CREDENTIALS_PROCESS')) return 'from a credential_process'
  if (has('CREDENTIALS_SSO')) return 'from AWS IAM Identity Center (SSO)'
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    return 'from the container role (AWS_CONTAINER_CREDENTIALS_*)'
  }
  return 'from the instance role (EC2 instance metadata)'
}
