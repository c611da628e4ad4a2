/**
 * Rules for ARNs: role ARNs (in a partition STS serves), bare role names and policy ARNs as inputs,
 * and the grammar of the ARNs STS answers with.
 */
import { InputError, quote } from './input-error.js'

/** Partitions STS serves; the region decides which one an ARN must be in. */
const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc'
]
const PARTITION = `(${PARTITIONS.join('|')})`
/** IAM names and paths are ASCII: a Unicode look-alike ('а' for 'a') never matches. */
const NAME = '[\\w+=,.@-]{1,64}'
const PATH = '(?:/[\\w+=,.@-]+)*/'

export interface RoleArn {
  arn: string
  partition: string
  /** Empty for STS-compatible servers (Ceph RGW, MinIO) whose ARNs carry no account. */
  accountId: string
  name: string
}

const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12})?:role(${PATH})(${NAME})$`)
const BARE_ROLE_NAME = new RegExp(`^${NAME}$`)
const POLICY_ARN = new RegExp(
  `^arn:${PARTITION}:iam::(\\d{12}|aws):policy${PATH}[\\w+=,.@-]{1,128}$`
)

/** A role ARN; an empty account field only when talking to a custom STS endpoint. */
export function parseRoleArn(input: string, value: string, allowEmptyAccount: boolean): RoleArn {
  const match = ROLE_ARN.exec(value)
  if (!match || value.length > 2048) {
    throw new InputError(
      input,
      `must be a role ARN like arn:aws:iam::123456789012:role/NAME (ASCII letters, digits and +=,.@_- in the path and name); got ${quote(value)}.`
    )
  }
  const [, partition, accountId = '', , name] = match
  if (!accountId && !allowEmptyAccount) {
    throw new InputError(
      input,
      `has no account ID; only STS-compatible servers (sts-endpoint) accept arn:aws:iam:::role/NAME.`
    )
  }
  return { arn: value, partition, accountId, name }
}

export function isBareRoleName(value: string): boolean {
  return BARE_ROLE_NAME.test(value)
}

/** The role ARN for a bare name, in the account and partition of the caller's ARN. */
export function roleArnInCallerAccount(name: string, callerArn: string): RoleArn {
  const [, partition = 'aws', , , accountId = ''] = callerArn.split(':')
  return { arn: `arn:${partition}:iam::${accountId}:role/${name}`, partition, accountId, name }
}

export function parsePolicyArn(input: string, value: string): string {
  if (!POLICY_ARN.test(value)) {
    throw new InputError(
      input,
      `must hold managed policy ARNs like arn:aws:iam::aws:policy/ReadOnlyAccess; got ${quote(value)}.`
    )
  }
  return value
}

/** Account and partition of an STS ARN (assumed-role, user, federated); empty account when absent. */
export function accountOfArn(arn: string): string {
  const account = arn.split(':')[4] ?? ''
  return /^\d{12}$/.test(account) ? account : ''
}

/**
 * The ARNs STS answers with: an assumed-role session (AssumeRole*), or the caller of
 * GetCallerIdentity (an IAM user, the account root, a federated user, or an assumed role). The
 * account is 12 digits, or empty for STS-compatible servers. Names are IAM's ASCII characters, so
 * no line break, space or control character can pass.
 */
const ACCOUNT = '(?:\\d{12})?'
const STS_ARNS = [
  `sts::${ACCOUNT}:assumed-role/${NAME}/[\\w+=,.@-]{2,64}`,
  `sts::${ACCOUNT}:federated-user/[\\w+=,.@-]{2,32}`,
  `iam::${ACCOUNT}:user${PATH}${NAME}`,
  `iam::\\d{12}:root`
].map(body => new RegExp(`^arn:${PARTITION}:${body}$`))

export function isStsArn(value: string, assumedRoleOnly: boolean): boolean {
  if (value.length > 2048) return false
  const grammars = assumedRoleOnly ? STS_ARNS.slice(0, 1) : STS_ARNS
  return grammars.some(grammar => grammar.test(value))
}
