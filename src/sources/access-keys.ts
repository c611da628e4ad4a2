/** Source credentials from the access-key inputs. */
import type { AwsCredentialIdentity } from '@smithy/types'
import { maskSecret } from '../runner/secrets.js'
import type { StaticCredentials } from '../settings.js'

/** Access keys from inputs (an IAM user whose only right is sts:AssumeRole on the role). */
export function fromAccessKeys(keys: StaticCredentials): AwsCredentialIdentity {
  maskSecret(keys.accessKeyId)
  maskSecret(keys.secretAccessKey)
  maskSecret(keys.sessionToken)
  return { ...keys }
}
