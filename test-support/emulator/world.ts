/**
 * The emulator's IAM world: a plain, JSON-serialisable description of users, roles, OIDC providers
 * and account settings, plus the pure policy evaluation the STS handlers need. Kept free of I/O so
 * a test can build or mutate a world and reason about it directly.
 */

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export type StringOrList = string | string[]

export interface AccessKey {
  accessKeyId: string
  secretAccessKey: string
}

export interface IamUser {
  /** e.g. `arn:aws:iam::111111111111:user/personal/localuser` (the path is kept). */
  arn: string
  accessKeys: AccessKey[]
  /** Identity policy: role ARNs (IAM wildcards `*` and `?` allowed) it may `sts:AssumeRole`. */
  canAssume: string[]
  /** Buckets `s3:ListAllMyBuckets` shows this user. */
  buckets?: string[]
}

export interface TrustPrincipal {
  /** An IAM user/role ARN, an assumed-role session ARN, `arn:aws:iam::ACCT:root`, or `*`. */
  AWS?: StringOrList
  Service?: StringOrList
  /** An OIDC provider ARN, e.g. `arn:aws:iam::ACCT:oidc-provider/token.actions.githubusercontent.com`. */
  Federated?: StringOrList
}

/**
 * Condition keys as IAM spells them: `sts:ExternalId`,
 * `token.actions.githubusercontent.com:aud`, `token.actions.githubusercontent.com:sub`.
 */
export interface TrustConditions {
  StringEquals?: Record<string, StringOrList>
  StringLike?: Record<string, StringOrList>
}

export interface TrustStatement {
  principal: TrustPrincipal
  conditions?: TrustConditions
  /** The statement's Action list also contains `sts:TagSession`. */
  allowTagSession?: boolean
  /** The statement's Action list also contains `sts:SetSourceIdentity`. */
  allowSetSourceIdentity?: boolean
}

export interface IamRole {
  /** e.g. `arn:aws:iam::111111111111:role/deploy`, or `arn:aws:iam:::role/NAME` (see World). */
  arn: string
  /** Seconds, 3600..43200; 3600 when absent, as IAM defaults it. */
  maxSessionDuration?: number
  trust: TrustStatement[]
  /** Identity policy of the role: roles its sessions may assume (role chaining). */
  canAssume?: string[]
  /** Buckets its sessions see in ListBuckets. */
  buckets?: string[]
}

export interface OidcProvider {
  /** `arn:aws:iam::ACCT:oidc-provider/HOST[/PATH]`: the account it lives in comes from here. */
  arn: string
  /** Issuer URL, compared with the token's `iss`. */
  url: string
  clientIds: string[]
}

export interface AccountSettings {
  /** Regions where STS is deactivated for this account (RegionDisabledException). */
  disabledRegions?: string[]
}

export interface World {
  users: IamUser[]
  roles: IamRole[]
  oidcProviders: OidcProvider[]
  accounts?: Record<string, AccountSettings>
  /**
   * Accept role ARNs with an empty account field (`arn:aws:iam:::role/NAME`), as Ceph RGW and
   * MinIO issue them. When false such an ARN names no role, so AssumeRole is denied.
   */
  allowEmptyAccountRoleArns?: boolean
  /** Compressed bytes of session policy + tags that count as 100% PackedPolicySize. */
  packedPolicyLimitBytes?: number
}

export interface ParsedArn {
  partition: string
  service: string
  region: string
  account: string
  resource: string
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':')
  if (parts.length < 6 || parts[0] !== 'arn') return undefined
  const [, partition, service, region, account] = parts
  return { partition, service, region, account, resource: parts.slice(5).join(':') }
}

export interface ParsedRoleArn {
  account: string
  /** The last path segment: the name used in assumed-role ARNs. */
  name: string
  partition: string
}

/** Parses `arn:PARTITION:iam::ACCT:role/[PATH/]NAME`; undefined when it is not a role ARN. */
export function parseRoleArn(arn: string): ParsedRoleArn | undefined {
  const p = parseArn(arn)
  if (!p || p.service !== 'iam' || p.region !== '' || !p.resource.startsWith('role/'))
    return undefined
  const name = p.resource.split('/').pop() ?? ''
  if (name === '' || !/^(\d{12})?$/.test(p.account)) return undefined
  return { account: p.account, name, partition: p.partition }
}

export function findRole(world: World, arn: string): IamRole | undefined {
  const parsed = parseRoleArn(arn)
  if (!parsed) return undefined
  // An empty account field only resolves when the world opts in (RGW/MinIO style).
  if (parsed.account === '' && !world.allowEmptyAccountRoleArns) return undefined
  return world.roles.find(r => r.arn === arn)
}

export function findUserByAccessKey(
  world: World,
  accessKeyId: string
): { user: IamUser; key: AccessKey } | undefined {
  for (const user of world.users) {
    const key = user.accessKeys.find(k => k.accessKeyId === accessKeyId)
    if (key) return { user, key }
  }
  return undefined
}

export function accountSettings(world: World, account: string): AccountSettings {
  return world.accounts?.[account] ?? {}
}

export function isRegionDisabled(world: World, account: string, region: string): boolean {
  return accountSettings(world, account).disabledRegions?.includes(region) ?? false
}

function toList(v: StringOrList | undefined): string[] {
  if (v === undefined) return []
  return Array.isArray(v) ? v : [v]
}

/** IAM `StringLike` matching: `*` any run of characters, `?` exactly one, case-sensitive. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\*?]/g, ch =>
    ch === '*' ? '.*' : ch === '?' ? '.' : `\\${ch}`
  )
  return new RegExp(`^${re}$`, 's').test(value)
}

/** Identity-policy side: does `allowed` (ARNs/wildcards) grant sts:AssumeRole on `roleArn`? */
export function identityAllows(allowed: readonly string[] | undefined, roleArn: string): boolean {
  return (allowed ?? []).some(p => globMatch(p, roleArn))
}

/** Who is calling, as far as trust policies care. */
export interface TrustSubject {
  /** The caller's identity ARN (user ARN or assumed-role session ARN). */
  arn: string
  account: string
  /** For a session: the IAM role it belongs to (trust policies usually name this). */
  roleArn?: string
}

/** Resource-policy side for AWS principals: statements of `role` that name `subject`. */
export function trustStatementsForAws(role: IamRole, subject: TrustSubject): TrustStatement[] {
  const names = new Set([subject.arn, ...(subject.roleArn ? [subject.roleArn] : [])])
  return role.trust.filter(st =>
    toList(st.principal.AWS).some(
      p =>
        p === '*' ||
        names.has(p) ||
        // The account root (or the bare account ID) delegates to the account's own IAM policies.
        (subject.account !== '' &&
          (p === `arn:aws:iam::${subject.account}:root` || p === subject.account))
    )
  )
}

export function trustStatementsForFederated(role: IamRole, providerArn: string): TrustStatement[] {
  return role.trust.filter(st => toList(st.principal.Federated).includes(providerArn))
}

/**
 * Evaluates a statement's conditions. Keys compare case-insensitively (as IAM does); a key that
 * is absent from the request context fails the condition, which is how a missing ExternalId ends
 * up denied.
 */
export function conditionsHold(
  conditions: TrustConditions | undefined,
  context: Record<string, string | string[] | undefined>
): boolean {
  if (!conditions) return true
  const ctx = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]))
  const check = (
    block: Record<string, StringOrList> | undefined,
    test: (pattern: string, value: string) => boolean
  ): boolean =>
    Object.entries(block ?? {}).every(([key, expected]) => {
      const actual = toList(ctx.get(key.toLowerCase()))
      return actual.length > 0 && actual.some(a => toList(expected).some(e => test(e, a)))
    })
  return (
    check(conditions.StringEquals, (e, a) => e === a) && check(conditions.StringLike, globMatch)
  )
}

/** Condition-key prefix for an issuer: the URL without its scheme, as IAM derives it. */
export function issuerConditionPrefix(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '')
}

export function findOidcProvider(
  world: World,
  account: string,
  issuer: string
): OidcProvider | undefined {
  const norm = (u: string): string => u.replace(/\/+$/, '')
  return world.oidcProviders.find(
    p => parseArn(p.arn)?.account === account && norm(p.url) === norm(issuer)
  )
}

/** A deep copy, so a test can start several emulators from one template without sharing state. */
export function cloneWorld(world: World): World {
  return structuredClone(world)
}
