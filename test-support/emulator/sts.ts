/**
 * STS actions (AWS Query protocol): AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity.
 * Validation, authorisation ("both sides must allow") and the error codes/messages follow what
 * AWS answers, so a client's error handling can be tested against realistic failures.
 */
import { deflateRawSync } from 'node:zlib'
import type { EmulatorClock } from './clock.js'
import {
  stableId,
  type Caller,
  type CredentialStore,
  type IssuedCredentials,
  type SessionTag
} from './credentials.js'
import type { OidcIssuer } from './oidc.js'
import type { SigV4Failure } from './sigv4.js'
import {
  conditionsHold,
  findOidcProvider,
  findRole,
  identityAllows,
  isRegionDisabled,
  issuerConditionPrefix,
  parseRoleArn,
  trustStatementsForAws,
  trustStatementsForFederated,
  type IamRole,
  type TrustStatement,
  type World
} from './world.js'
import { el, leaf, type AwsErrorShape, type MaybeNode } from './xml.js'

export class StsError extends Error implements AwsErrorShape {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: 'Sender' | 'Receiver' = 'Sender'
  ) {
    super(message)
  }
}

const MSG = {
  invalidToken: 'The security token included in the request is invalid.',
  signature:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  expired: 'The security token included in the request is expired',
  webIdentityDenied: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
  maxSession: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  chaining:
    'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
  invalidIdentityToken:
    'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.'
} as const

/** STS's answer to a SigV4 verification failure. */
export function stsAuthError(reason: SigV4Failure): StsError {
  switch (reason) {
    case 'missing':
      return new StsError(
        'MissingAuthenticationToken',
        'Request is missing Authentication Token',
        403
      )
    case 'malformed':
      return new StsError(
        'IncompleteSignature',
        'The request signature does not conform to AWS standards.',
        400
      )
    case 'unknown-key':
    case 'bad-token':
      return new StsError('InvalidClientTokenId', MSG.invalidToken, 403)
    case 'expired':
      return new StsError('ExpiredToken', MSG.expired, 400)
    case 'bad-signature':
    case 'payload-hash-mismatch':
      return new StsError('SignatureDoesNotMatch', MSG.signature, 403)
  }
}

export interface StsParams {
  roleArn?: string
  roleSessionName?: string
  durationSeconds?: number
  /** As received, for error messages about unparseable values. */
  durationRaw?: string
  externalId?: string
  sourceIdentity?: string
  policy?: string
  policyArns: string[]
  tags: SessionTag[]
  transitiveTagKeys: string[]
  webIdentityToken?: string
  providerId?: string
  /** Session tags were sent (any `Tags.member.*`), even malformed ones. */
  tagsSent: boolean
}

/** Collects `Prefix.member.N[.suffix]` entries in index order. */
function members(params: URLSearchParams, prefix: string, suffix = ''): Map<number, string> {
  const out = new Map<number, string>()
  const re = new RegExp(`^${prefix}\\.member\\.(\\d+)${suffix.replace('.', '\\.')}$`)
  for (const [k, v] of params) {
    const m = re.exec(k)
    if (m) out.set(Number(m[1]), v)
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]))
}

export function parseStsParams(params: URLSearchParams): StsParams {
  const opt = (k: string): string | undefined => params.get(k) ?? undefined
  const keys = members(params, 'Tags', '.Key')
  const values = members(params, 'Tags', '.Value')
  const indices = [...new Set([...keys.keys(), ...values.keys()])].sort((a, b) => a - b)
  const durationRaw = opt('DurationSeconds')
  return {
    roleArn: opt('RoleArn'),
    roleSessionName: opt('RoleSessionName'),
    durationRaw,
    durationSeconds: durationRaw === undefined ? undefined : Number(durationRaw),
    externalId: opt('ExternalId'),
    sourceIdentity: opt('SourceIdentity'),
    policy: opt('Policy'),
    policyArns: [...members(params, 'PolicyArns', '.arn').values()],
    tags: indices.map(i => ({ Key: keys.get(i) ?? '', Value: values.get(i) ?? '' })),
    transitiveTagKeys: [...members(params, 'TransitiveTagKeys').values()],
    webIdentityToken: opt('WebIdentityToken'),
    providerId: opt('ProviderId'),
    tagsSent: [...params.keys()].some(k => k.startsWith('Tags.'))
  }
}

export interface StsDeps {
  world: World
  store: CredentialStore
  clock: EmulatorClock
  oidc: OidcIssuer
}

export interface StsCall {
  action: string
  params: StsParams
  /** The verified signer; undefined for unsigned calls (web identity). */
  caller?: Caller
  /** From the SigV4 scope, else the emulator's default region. */
  region: string
  /** Fault: answer success but leave `<Credentials>` out (and do not remember the key). */
  omitCredentials?: boolean
}

/** Runs one action; returns the children of `<ActionResult>` or throws StsError. */
export async function runStsAction(deps: StsDeps, call: StsCall): Promise<MaybeNode[]> {
  switch (call.action) {
    case 'GetCallerIdentity':
      return getCallerIdentity(requireCaller(call))
    case 'AssumeRole':
      return assumeRole(deps, call, requireCaller(call))
    case 'AssumeRoleWithWebIdentity':
      return assumeRoleWithWebIdentity(deps, call)
    default:
      throw new StsError(
        'InvalidAction',
        `Could not find operation ${call.action} for version 2011-06-15`,
        400
      )
  }
}

function requireCaller(call: StsCall): Caller {
  // The server verifies signatures before dispatching signed actions; this is a safety net.
  if (!call.caller) throw stsAuthError('missing')
  return call.caller
}

function getCallerIdentity(caller: Caller): MaybeNode[] {
  return [leaf('UserId', caller.userId), leaf('Account', caller.account), leaf('Arn', caller.arn)]
}

// ---------------------------------------------------------------------------------------------
// Checks beyond the model. Lengths, patterns, ranges, required members and list sizes come from
// botocore's STS model (model.ts), checked by the server before any action runs; what follows are
// the rules STS applies that the model's shapes cannot say.

/**
 * "You can provide up to 10 managed policy ARNs" (the model's PolicyArns documentation; the shape
 * itself has no max). STS's wording for it is not published; this follows its validator's form.
 */
function checkPolicyArnCount(p: StsParams): void {
  if (p.policyArns.length > 10) {
    throw new StsError(
      'ValidationError',
      `1 validation error detected: Value '[${p.policyArns.join(', ')}]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`,
      400
    )
  }
}

/** Tag keys are case-insensitive, and transitive keys must name a tag of the request. */
function checkTagKeys(p: StsParams): void {
  const seen = new Set<string>()
  for (const t of p.tags) {
    const k = t.Key.toLowerCase()
    if (seen.has(k)) {
      throw new StsError(
        'InvalidParameterValue',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
        400
      )
    }
    seen.add(k)
  }
  for (const k of p.transitiveTagKeys) {
    if (!seen.has(k.toLowerCase())) {
      throw new StsError(
        'InvalidParameterValue',
        'The specified transitive tag key must be included in the requested tags.',
        400
      )
    }
  }
}

/** Parses a session policy the way STS does: JSON first, then the minimal policy grammar. */
function checkPolicyDocument(policy: string | undefined): void {
  if (policy === undefined) return
  let doc: unknown
  try {
    doc = JSON.parse(policy)
  } catch {
    const ch = policy.trim().charAt(0) || ' '
    throw new StsError(
      'MalformedPolicyDocument',
      `Unexpected character ('${ch}' (code ${ch.charCodeAt(0)})): expected a valid value (number, String, array, object, 'true', 'false' or 'null')`,
      400
    )
  }
  const statement = (doc as { Statement?: unknown } | null)?.Statement
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || statement === undefined) {
    throw new StsError('MalformedPolicyDocument', 'Syntax errors in policy.', 400)
  }
}

/**
 * PackedPolicySize as a percentage of the allowance: the compressed size of the session policy,
 * policy ARNs and tags against `packedPolicyLimitBytes` (default 1024). AWS does not publish its
 * packing; this only needs to grow with the input and overflow for large tag sets.
 */
function packedPolicyPercent(world: World, p: StsParams, tags: SessionTag[]): number {
  if (p.policy === undefined && !p.policyArns.length && !tags.length) return 0
  const text = [
    p.policy === undefined ? '' : JSON.stringify(JSON.parse(p.policy)),
    ...p.policyArns,
    ...tags.map(t => `${t.Key}\u0000${t.Value}`)
  ].join('\u0001')
  const packed = deflateRawSync(Buffer.from(text)).length
  return Math.max(1, Math.ceil((packed * 100) / (world.packedPolicyLimitBytes ?? 1024)))
}

function checkPacked(world: World, p: StsParams, tags: SessionTag[]): number {
  const percent = packedPolicyPercent(world, p, tags)
  if (percent > 100) {
    const what = tags.length ? 'session tags' : 'session policies'
    throw new StsError(
      'PackedPolicyTooLarge',
      `Packed size of ${what} consumes ${percent}% of allotted space.`,
      400
    )
  }
  return percent
}

// ---------------------------------------------------------------------------------------------
// AssumeRole

function notAuthorized(callerArn: string, action: string, resource: string): StsError {
  return new StsError(
    'AccessDenied',
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`,
    403
  )
}

function regionCheck(world: World, account: string, region: string): void {
  if (isRegionDisabled(world, account, region)) {
    throw new StsError(
      'RegionDisabledException',
      `STS is not activated in this region for account:${account}. Your account administrator can activate STS in this region using the IAM Console.`,
      403
    )
  }
}

function durationFor(role: IamRole, requested: number | undefined, chained: boolean): number {
  const duration = requested ?? 3600
  if (chained && duration > 3600) throw new StsError('ValidationError', MSG.chaining, 400)
  if (duration > (role.maxSessionDuration ?? 3600)) {
    throw new StsError('ValidationError', MSG.maxSession, 400)
  }
  return duration
}

async function assumeRole(deps: StsDeps, call: StsCall, caller: Caller): Promise<MaybeNode[]> {
  const { world } = deps
  const p = call.params
  checkPolicyArnCount(p)
  checkTagKeys(p)
  const roleArn = p.roleArn ?? ''
  const parsed = parseRoleArn(roleArn)
  if (!parsed) throw new StsError('ValidationError', `${roleArn} is invalid`, 400)
  regionCheck(world, parsed.account, call.region)

  const role = findRole(world, roleArn)
  const denied = notAuthorized(caller.arn, 'sts:AssumeRole', roleArn)
  // Both sides must allow: the caller's identity policy and the role's trust policy.
  if (!role || !identityAllows(caller.canAssume, roleArn)) throw denied
  const statements = trustStatementsForAws(role, caller).filter(st =>
    conditionsHold(st.conditions, {
      'sts:ExternalId': p.externalId,
      'aws:PrincipalArn': caller.roleArn ?? caller.arn,
      'sts:SourceIdentity': p.sourceIdentity
    })
  )
  // AWS does not say whether the principal or a condition (e.g. ExternalId) failed.
  if (!statements.length) throw denied

  // Transitive tags of a chained caller ride along; they count as tags being set.
  const inherited = caller.session
    ? caller.session.tags.filter(t => caller.session?.transitiveTagKeys.includes(t.Key))
    : []
  const tagging = p.tags.length > 0 || p.transitiveTagKeys.length > 0 || inherited.length > 0
  if (tagging && !statements.some(st => st.allowTagSession)) {
    throw notAuthorized(caller.arn, 'sts:TagSession', roleArn)
  }
  const sourceIdentity = caller.session?.sourceIdentity ?? p.sourceIdentity
  if (p.sourceIdentity !== undefined) {
    if (!statements.some(st => st.allowSetSourceIdentity)) {
      throw notAuthorized(caller.arn, 'sts:SetSourceIdentity', roleArn)
    }
    if (
      caller.session?.sourceIdentity !== undefined &&
      caller.session.sourceIdentity !== p.sourceIdentity
    ) {
      throw new StsError(
        'AccessDenied',
        'SourceIdentity cannot be changed once it is set on a role session.',
        403
      )
    }
  }

  const chained = caller.kind === 'session'
  const duration = durationFor(role, p.durationSeconds, chained)
  checkPolicyDocument(p.policy)
  const tags = mergeTags(inherited, p.tags)
  const packed = checkPacked(world, p, p.tags)

  const creds = issue(deps, call, role, parsed.name, parsed.account, p.roleSessionName ?? '', {
    duration,
    chained,
    viaWebIdentity: false,
    tags,
    transitiveTagKeys: [
      ...new Set([...(caller.session?.transitiveTagKeys ?? []), ...p.transitiveTagKeys])
    ],
    sourceIdentity
  })
  return [
    sourceIdentity !== undefined && leaf('SourceIdentity', sourceIdentity),
    assumedRoleUserNode(creds),
    !call.omitCredentials && credentialsNode(creds),
    packed > 0 && leaf('PackedPolicySize', packed)
  ]
}

function mergeTags(inherited: SessionTag[], requested: SessionTag[]): SessionTag[] {
  const keys = new Set(requested.map(t => t.Key.toLowerCase()))
  return [...inherited.filter(t => !keys.has(t.Key.toLowerCase())), ...requested]
}

// ---------------------------------------------------------------------------------------------
// AssumeRoleWithWebIdentity

async function assumeRoleWithWebIdentity(deps: StsDeps, call: StsCall): Promise<MaybeNode[]> {
  const { world, oidc } = deps
  const p = call.params
  checkPolicyArnCount(p)
  // The API has no Tags member: session tags for web identity come from the token's
  // https://aws.amazon.com/tags claim. Refuse rather than silently drop them.
  if (p.tagsSent || p.transitiveTagKeys.length) {
    throw new StsError(
      'ValidationError',
      'AssumeRoleWithWebIdentity does not accept Tags or TransitiveTagKeys; pass session tags in the web identity token instead.',
      400
    )
  }

  const roleArn = p.roleArn ?? ''
  const parsed = parseRoleArn(roleArn)
  if (!parsed) throw new StsError('ValidationError', `${roleArn} is invalid`, 400)
  regionCheck(world, parsed.account, call.region)

  const token = p.webIdentityToken ?? ''
  const check = await oidc.verify(token)
  if (!check.ok) {
    if (check.reason === 'expired') {
      throw new StsError(
        'ExpiredTokenException',
        `Token expired: current date/time ${check.now} must be before the expiration date/time ${check.exp}`,
        400
      )
    }
    throw new StsError('InvalidIdentityToken', MSG.invalidIdentityToken, 400)
  }
  const claims = check.claims
  const iss = String(claims.iss ?? '')
  const provider = findOidcProvider(world, parsed.account, iss)
  if (!provider) {
    throw new StsError(
      'InvalidIdentityToken',
      `No OpenIDConnect provider found in your account for ${iss}`,
      400
    )
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : []
  const aud = audiences.find(a => provider.clientIds.includes(a))
  if (aud === undefined) throw new StsError('InvalidIdentityToken', 'Incorrect token audience', 400)

  const role = findRole(world, roleArn)
  const prefix = issuerConditionPrefix(iss)
  const statements: TrustStatement[] = role
    ? trustStatementsForFederated(role, provider.arn).filter(st =>
        conditionsHold(st.conditions, {
          [`${prefix}:aud`]: aud,
          [`${prefix}:sub`]: claims.sub,
          [`${prefix}:oaud`]: aud
        })
      )
    : []
  if (!role || !statements.length) throw new StsError('AccessDenied', MSG.webIdentityDenied, 403)

  const duration = durationFor(role, p.durationSeconds, false)
  checkPolicyDocument(p.policy)
  const packed = checkPacked(world, p, [])
  const creds = issue(deps, call, role, parsed.name, parsed.account, p.roleSessionName ?? '', {
    duration,
    chained: false,
    viaWebIdentity: true,
    tags: [],
    transitiveTagKeys: []
  })
  return [
    leaf('SubjectFromWebIdentityToken', String(claims.sub ?? '')),
    leaf('Audience', aud),
    assumedRoleUserNode(creds),
    !call.omitCredentials && credentialsNode(creds),
    leaf('Provider', iss),
    packed > 0 && leaf('PackedPolicySize', packed)
  ]
}

// ---------------------------------------------------------------------------------------------
// Issuing

function issue(
  deps: StsDeps,
  call: StsCall,
  role: IamRole,
  roleName: string,
  account: string,
  sessionName: string,
  s: {
    duration: number
    chained: boolean
    viaWebIdentity: boolean
    tags: SessionTag[]
    transitiveTagKeys: string[]
    sourceIdentity?: string
  }
): IssuedCredentials {
  const lifetime = deps.clock.grantedLifetime(s.duration)
  return deps.store.issue(
    {
      // Whole seconds, as the wire format carries no fractions.
      expiresAtMs: Math.floor(deps.clock.nowMs() / 1000 + lifetime) * 1000,
      assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      assumedRoleId: `${stableId('AROA', role.arn)}:${sessionName}`,
      roleArn: role.arn,
      account,
      sessionName,
      chained: s.chained,
      viaWebIdentity: s.viaWebIdentity,
      tags: s.tags,
      transitiveTagKeys: s.transitiveTagKeys,
      sourceIdentity: s.sourceIdentity
    },
    !call.omitCredentials
  )
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function assumedRoleUserNode(c: IssuedCredentials): MaybeNode {
  return el(
    'AssumedRoleUser',
    leaf('AssumedRoleId', c.assumedRoleId),
    leaf('Arn', c.assumedRoleArn)
  )
}

function credentialsNode(c: IssuedCredentials): MaybeNode {
  return el(
    'Credentials',
    leaf('AccessKeyId', c.accessKeyId),
    leaf('SecretAccessKey', c.secretAccessKey),
    leaf('SessionToken', c.sessionToken),
    leaf('Expiration', isoSeconds(c.expiresAtMs))
  )
}
