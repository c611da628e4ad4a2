/**
 * Every input, read and validated once, into one Settings plan. Pure: it reads the inputs, the
 * environment and the run's context it is given, and touches no file and no network, so every rule
 * fails before any call to AWS. Nothing else reads inputs.
 */
import { nameVariable, withEnvironmentInputs } from './environment-inputs.js'
import type { RunContext } from './github-context.js'
import { readInherited } from './inherited-variables.js'
import { contextTags, OWN_TAG_KEYS } from './session-tags.js'
import type {
  ProfileRole,
  RoleRequest,
  Settings,
  SourcePlan,
  StaticCredentials
} from './settings.js'
import { isBareRoleName, parseRoleArn } from './rules/arn.js'
import { parseBoolean } from './rules/boolean.js'
import { parseKeyPart } from './rules/credentials.js'
import { InputError, quote } from './rules/input-error.js'
import { parseProfileName, parseRoleProfiles } from './rules/role-profiles.js'
import { parseAccountIds, splitList } from './rules/lists.js'
import { parseInlinePolicy, parseManagedPolicies } from './rules/policies.js'
import { parsePartitionMatch, parseStsEndpoint } from './rules/endpoint.js'
import { parseRegion } from './rules/region.js'
import {
  parseAudience,
  parseExternalId,
  parseSessionName,
  parseSourceIdentity
} from './rules/session.js'
import { mergeTags, parseCustomTags, parseTransitiveTagKeys } from './rules/tags.js'
import { parseWholeNumber } from './rules/whole-number.js'

/** How inputs are read: `get` trims as @actions/core does, `raw` does not. */
export interface InputReader {
  get(name: string): string
  raw(name: string): string
}

/** No input needs more; larger ones are mistakes or attacks and are refused before parsing. */
const MAX_INPUT_LENGTH = 65536
/** STS's bounds on DurationSeconds, and the one-hour cap on chained sessions. */
const DURATION = { min: 900, max: 43200, chained: 3600 }

/**
 * Inputs first; an empty input may be filled from its environment variable (environment-inputs.ts),
 * and an error about such an input names the variable.
 */
export function readSettings(
  reader: InputReader,
  env: NodeJS.ProcessEnv,
  context: RunContext
): Settings {
  const { reader: filled, supplied } = withEnvironmentInputs(reader, env)
  try {
    return { ...readPlan(filled, env, context), inputsFromEnvironment: supplied }
  } catch (error) {
    throw nameVariable(error, supplied)
  }
}

function readPlan(
  reader: InputReader,
  env: NodeJS.ProcessEnv,
  context: RunContext
): Omit<Settings, 'inputsFromEnvironment'> {
  const input = boundedReader(reader)
  const flag = (name: string, fallback: boolean): boolean =>
    parseBoolean(name, input.get(name), fallback)

  const stsEndpoint = optional(input.get('sts-endpoint'), value =>
    parseStsEndpoint('sts-endpoint', value)
  )
  const customEndpoint = stsEndpoint !== undefined
  const region = readRegion(input, env, customEndpoint)
  const unsetCurrentCredentials = flag('unset-current-credentials', false)
  const roleChaining = flag('role-chaining', false)
  const keys = readAccessKeys(input)
  const roleText = input.get('role-to-assume')
  const roleProfilesText = input.get('role-profiles')
  const wantsRole = Boolean(roleText || roleProfilesText)
  const source = chooseSource(
    input,
    env,
    keys,
    roleChaining,
    flag('force-skip-oidc', false) || !wantsRole
  )
  // Neither a role nor keys: like configure-aws-credentials with only aws-region, the step checks
  // the credentials the runner already has (GetCallerIdentity) and exports the region.
  if (!wantsRole && source.kind === 'token-file') {
    throw new InputError(
      'web-identity-token-file',
      'needs role-to-assume: the token is exchanged for a session of that role.'
    )
  }
  if (!roleText && roleChaining) {
    throw new InputError(
      'role-chaining',
      'needs role-to-assume: the role to assume from the current credentials.'
    )
  }
  const common = { input, source, region, customEndpoint, roleChaining }
  const options =
    roleText || roleProfilesText
      ? readSessionOptions(input, source, roleChaining, context, flag)
      : undefined
  const role = roleText && options ? readRole(common, options, roleText) : undefined
  const profileRoles =
    roleProfilesText && options ? readProfileRoles(common, options, roleProfilesText) : []
  const profileName = input.get('aws-profile')
  const profile = profileName ? { name: parseProfileName('aws-profile', profileName) } : undefined
  if (profile && profileRoles.some(entry => entry.profile === profile.name)) {
    throw new InputError(
      'role-profiles',
      `names profile ${quote(profile.name)}, which aws-profile also names.`
    )
  }
  const refreshCredentials = flag('refresh-credentials', false)
  if (refreshCredentials) checkRefreshable(source, profile, role, options, profileRoles)

  const retryDisabled = flag('disable-retry', false)
  const maxAttempts = retryDisabled
    ? 1
    : parseWholeNumber('retry-max-attempts', input.raw('retry-max-attempts') || '12', {
        min: 1,
        max: 100
      })
  const timeoutSeconds = input.raw('action-timeout-s')
    ? parseWholeNumber(
        'action-timeout-s',
        input.raw('action-timeout-s'),
        { min: 0, max: 21600 },
        'seconds'
      )
    : 0

  return {
    region,
    source,
    role,
    stsEndpoint,
    allowedAccountIds: parseAccountIds('allowed-account-ids', input.get('allowed-account-ids')),
    maskAccountId: flag('mask-aws-account-id', false),
    outputCredentials: flag('output-credentials', false),
    // With a named profile the profile is the product; env credentials only when asked for.
    outputEnvCredentials: flag('output-env-credentials', profile === undefined),
    unsetCurrentCredentials,
    inherited: readInherited(env),
    retry: {
      maxAttempts,
      actionTimeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : undefined,
      specialCharactersWorkaround: flag('special-characters-workaround', false)
    },
    profile,
    profileRoles,
    overwriteProfiles: flag('overwrite-aws-profile', false),
    refreshCredentials,
    useExistingCredentials: flag('use-existing-credentials', false),
    proxy: readProxy(input, env)
  }
}

/**
 * refresh-credentials writes profiles that assume a role again later, so it needs: a profile to
 * write, a source usable later (keys or OIDC), the role as a full ARN, and, with keys, no session
 * policy (the SDKs' role_arn profile cannot carry one, and a renewed session must not have more
 * rights than the first).
 */
function checkRefreshable(
  source: SourcePlan,
  profile: Settings['profile'],
  role: RoleRequest | undefined,
  options: SessionOptions | undefined,
  profileRoles: ProfileRole[]
): void {
  const input = 'refresh-credentials'
  if (!profile && profileRoles.length === 0) {
    throw new InputError(input, 'needs aws-profile or role-profiles: it writes profiles.')
  }
  if (source.kind !== 'access-keys' && source.kind !== 'github-oidc') {
    throw new InputError(
      input,
      'works with access keys or GitHub OIDC as the source; credentials from the environment or a token file cannot be renewed later.'
    )
  }
  if (profile && !role) {
    throw new InputError(
      input,
      'with aws-profile needs role-to-assume: the profile renews that role.'
    )
  }
  if (role && !('arn' in role.role)) {
    throw new InputError(input, 'needs role-to-assume as a full ARN: the profile names the role.')
  }
  if (source.kind === 'access-keys' && (options?.inlinePolicy || options?.managedPolicies.length)) {
    throw new InputError(
      input,
      "with access keys writes the SDKs' own role_arn profile, which cannot carry session policies; drop inline-session-policy and managed-session-policies, or use OIDC."
    )
  }
}

function readProxy(input: InputReader, env: NodeJS.ProcessEnv): Settings['proxy'] {
  const given = optional(input.get('http-proxy'), value => parseStsEndpoint('http-proxy', value))
  const fromEnv =
    env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || undefined
  return {
    url: given ?? fromEnv,
    noProxy: input.get('no-proxy') || env.NO_PROXY || env.no_proxy || undefined,
    fromInput: given !== undefined
  }
}

function boundedReader(reader: InputReader): InputReader {
  const check = (name: string, value: string): string => {
    if (value.length > MAX_INPUT_LENGTH) {
      throw new InputError(
        name,
        `is ${value.length} characters long; the limit is ${MAX_INPUT_LENGTH}.`
      )
    }
    return value
  }
  return { get: name => check(name, reader.get(name)), raw: name => check(name, reader.raw(name)) }
}

function optional<T>(value: string, parse: (value: string) => T): T | undefined {
  return value === '' ? undefined : parse(value)
}

function readRegion(input: InputReader, env: NodeJS.ProcessEnv, customEndpoint: boolean): string {
  const given = input.get('aws-region')
  if (given) return parseRegion('aws-region', given, customEndpoint)
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION
  if (!fromEnv) {
    throw new InputError(
      'aws-region',
      'is required (or set AWS_REGION or AWS_DEFAULT_REGION), e.g. us-east-1.'
    )
  }
  return parseRegion('aws-region', fromEnv, customEndpoint)
}

function readAccessKeys(input: InputReader): StaticCredentials | undefined {
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

/**
 * Keys from inputs first; then an explicit token file; then GitHub OIDC when the job may request
 * a token and there is a role to assume; else whatever credentials the job already has (the SDK's
 * default chain).
 */
function chooseSource(
  input: InputReader,
  env: NodeJS.ProcessEnv,
  keys: StaticCredentials | undefined,
  roleChaining: boolean,
  skipOidc: boolean
): SourcePlan {
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

interface RoleContext {
  input: InputReader
  source: SourcePlan
  region: string
  customEndpoint: boolean
  roleChaining: boolean
}

/** What every assumed role of this run shares: session name, tags, policies, defaults. */
type SessionOptions = Omit<RoleRequest, 'role'>

function readSessionOptions(
  input: InputReader,
  source: SourcePlan,
  roleChaining: boolean,
  context: RunContext,
  flag: (name: string, fallback: boolean) => boolean
): SessionOptions {
  const webIdentity = isWebIdentity(source)
  const maxDuration = roleChaining ? DURATION.chained : DURATION.max
  const durationText = input.raw('role-duration-seconds') || '3600'
  if (/^\d{1,9}$/.test(durationText) && Number(durationText) < DURATION.min) {
    throw new InputError(
      'role-duration-seconds',
      `is ${Number(durationText)} seconds, shorter than STS allows: AssumeRole and AssumeRoleWithWebIdentity refuse DurationSeconds below ${DURATION.min} (15 minutes) with a ValidationError. Use ${DURATION.min} or more (at most ${maxDuration}).`
    )
  }
  const durationSeconds = parseWholeNumber(
    'role-duration-seconds',
    durationText,
    { min: DURATION.min, max: maxDuration },
    roleChaining ? 'seconds (role chaining caps sessions at one hour)' : 'seconds'
  )

  const customTagsText = input.get('custom-tags')
  const transitiveKeys = splitList(input.get('transitive-tag-keys'))
  if (webIdentity && (customTagsText || transitiveKeys.length > 0)) {
    const name = customTagsText ? 'custom-tags' : 'transitive-tag-keys'
    throw new InputError(
      name,
      "cannot be used with web identity (OIDC or a token file): AssumeRoleWithWebIdentity takes no session tags; they come from the token's claims."
    )
  }
  const skipTagging = flag('role-skip-session-tagging', false)
  const customTags = customTagsText ? parseCustomTags('custom-tags', customTagsText) : []
  const tags = webIdentity
    ? []
    : mergeTags('custom-tags', skipTagging ? [] : contextTags(context), customTags, OWN_TAG_KEYS)

  const externalIdText = input.get('role-external-id')
  if (webIdentity && externalIdText) {
    throw new InputError(
      'role-external-id',
      'cannot be used with web identity (OIDC or a token file): AssumeRoleWithWebIdentity takes no external ID.'
    )
  }
  const sourceIdentityText = input.get('source-identity')
  if (webIdentity && sourceIdentityText) {
    throw new InputError(
      'source-identity',
      "cannot be set with web identity (OIDC or a token file): STS takes it only from the token's claims."
    )
  }
  const policyText = input.get('inline-session-policy')
  return {
    sessionName: parseSessionName(
      'role-session-name',
      input.get('role-session-name') || 'GitHubActions'
    ),
    durationSeconds,
    externalId: externalIdText ? parseExternalId('role-external-id', externalIdText) : undefined,
    tags,
    transitiveTagKeys: parseTransitiveTagKeys('transitive-tag-keys', transitiveKeys, tags),
    inlinePolicy: policyText ? parseInlinePolicy('inline-session-policy', policyText) : undefined,
    managedPolicies: parseManagedPolicies(
      'managed-session-policies',
      splitList(input.get('managed-session-policies'))
    ),
    sourceIdentity: sourceIdentityText
      ? parseSourceIdentity('source-identity', sourceIdentityText)
      : undefined
  }
}

function isWebIdentity(source: SourcePlan): boolean {
  return source.kind === 'github-oidc' || source.kind === 'token-file'
}

function readRole(context: RoleContext, options: SessionOptions, roleText: string): RoleRequest {
  const { source, region, customEndpoint } = context
  if (isBareRoleName(roleText) && source.kind !== 'access-keys') {
    throw new InputError(
      'role-to-assume',
      'is a bare role name; give the full ARN (arn:aws:iam::ACCOUNT:role/NAME). A bare name is resolved only against access keys.'
    )
  }
  const role = isBareRoleName(roleText)
    ? { bareName: roleText }
    : parseRoleArn('role-to-assume', roleText, customEndpoint)
  if ('arn' in role && !customEndpoint)
    parsePartitionMatch('role-to-assume', role.partition, region)
  return { ...options, role }
}

/** role-profiles: each line's role, with its own region, duration and external ID when given. */
function readProfileRoles(
  context: RoleContext,
  options: SessionOptions,
  text: string
): ProfileRole[] {
  const { customEndpoint, roleChaining, source } = context
  return parseRoleProfiles('role-profiles', text).map(line => {
    const region = line.region
      ? parseRegion('role-profiles', line.region, customEndpoint)
      : context.region
    const role = parseRoleArn('role-profiles', line.roleArn, customEndpoint)
    if (!customEndpoint) parsePartitionMatch('role-profiles', role.partition, region)
    if (line.externalId && isWebIdentity(source)) {
      throw new InputError(
        'role-profiles',
        'cannot give external-id= with web identity (OIDC or a token file).'
      )
    }
    const durationSeconds = line.duration
      ? parseWholeNumber(
          'role-profiles',
          line.duration,
          {
            min: DURATION.min,
            max: roleChaining ? DURATION.chained : DURATION.max
          },
          'seconds (duration=)'
        )
      : options.durationSeconds
    return {
      profile: line.profile,
      region,
      request: {
        ...options,
        role,
        durationSeconds,
        externalId: line.externalId
          ? parseExternalId('role-profiles', line.externalId)
          : options.externalId
      }
    }
  })
}
