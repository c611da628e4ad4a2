/** Source credentials already in the job's environment, or the error saying there are none. */
import type { AwsCredentialIdentity } from '@smithy/types'
import { maskSecret } from '../runner/secrets.js'

/** Raised when the job has no identity to call STS with; diagnose/credentials.ts explains the likely cause. */
export class NoCredentialsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NoCredentialsError'
  }
}

/**
 * Credentials the job already has: keys a previous step exported (role chaining), or, without
 * those, whatever the SDK's default chain finds (a profile, a container or instance role on a
 * self-hosted runner). On GitHub-hosted runners there is nothing else to find, so say so now
 * instead of letting the chain probe for an instance role and fail vaguely.
 */
export function fromEnvironment(
  env: NodeJS.ProcessEnv,
  chaining: boolean
): AwsCredentialIdentity | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  if (accessKeyId && secretAccessKey) {
    maskSecret(accessKeyId)
    maskSecret(secretAccessKey)
    maskSecret(env.AWS_SESSION_TOKEN)
    return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined }
  }
  const hasOtherSource =
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  if (chaining || (env.RUNNER_ENVIRONMENT === 'github-hosted' && !hasOtherSource)) {
    throw new NoCredentialsError(
      chaining
        ? 'role-chaining needs credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from an earlier step), and there are none.'
        : 'No credentials to assume the role with: no access keys were given, the job cannot request a GitHub OIDC token, and the runner has no AWS credentials.'
    )
  }
  return undefined
}
