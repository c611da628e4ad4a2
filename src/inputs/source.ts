/** Which identity calls STS: access keys from inputs, a token file, GitHub OIDC, or the job's own. */
import { InputError } from '../rules/input-error.js'
import { parseKeyPart } from '../rules/credentials.js'
import { parseAudience } from '../rules/session.js'
import type { SourcePlan, StaticCredentials } from '../settings.js'
import type { InputReader } from '../runner/input-reader.js'

/** Access keys from inputs, all three parts checked together; undefined when none are given. */
export function readAccessKeys(input: InputReader): StaticCredentials | undefined {
  const accessKeyId = input.get('aws-access-key-id')
  const secretAccessKey = input.get('aws-secret-access-key')
  const sessionToken = input.get('aws-session-token')
  if (accessKeyId && !secretAccessKey) {
    throw new InputError('aws-secret-access-key', 'is required when aws-access-key-id is given.')
  }
  if (secretAccessKey && !accessKeyId) {
    throw new InputError('aws-access-key-id', 'is required when aws-secret-access-key is given.')
  }
  if (!accessKeyId) {
    if (sessionToken) {
      throw new InputError(
        'aws-session-token',
        'needs aws-access-key-id and aws-secret-access-key.'
      )
    }
    return undefined
  }
  return {
    accessKeyId: parseKeyPart('aws-access-key-id', accessKeyId, 128),
    secretAccessKey: parseKeyPart('aws-secret-access-key', secretAccessKey, 256),
    sessionToken: sessionToken ? parseKeyPart('aws-session-token', sessionToken, 8192) : undefined
  }
}

export interface SourceChoice {
  input: InputReader
  env: NodeJS.ProcessEnv
  keys: StaticCredentials | undefined
  roleChaining: boolean
  /** force-skip-oidc, or no role to assume with a token. */
  skipOidc: boolean
}

/**
 * Keys from inputs first; then an explicit token file; then GitHub OIDC when the job may request
 * a token and there is a role to assume; else whatever credentials the job already has (the SDK's
 * default chain).
 */
export function chooseSource({
  input,
  env,
  keys,
  roleChaining,
  skipOidc
}: SourceChoice): SourcePlan {
  if (keys) return { kind: 'access-keys', keys }
  const tokenFile = input.get('web-identity-token-file')
  if (tokenFile) return { kind: 'token-file', path: tokenFile }
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!skipOidc && !roleChaining && requestUrl && requestToken) {
    const audience = parseAudience('audience', input.get('audience') || 'sts.amazonaws.com')
    return { kind: 'github-oidc', requestUrl, requestToken, audience }
  }
  return { kind: 'environment', chaining: roleChaining }
}

/** AssumeRoleWithWebIdentity: GitHub OIDC or a token file. */
export function isWebIdentity(source: SourcePlan): boolean {
  return source.kind === 'github-oidc' || source.kind === 'token-file'
}
