/**
 * The STS client and its calls. One client per run, carrying the retry strategy, the per-attempt
 * bounds and the proxy; each call returns the session in one shape, account taken from the
 * assumed-role ARN (no GetCallerIdentity after assuming).
 */
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type Credentials
} from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity } from '@smithy/types'
import { clientEndpointFlags } from './endpoint-resolution.js'
import { keepErrorBodies } from './error-code.js'
import { checkArn, checkCredentials } from './answers.js'
import { callHandler, type CallOptions } from './call-options.js'
import { accountOfArn } from '../rules/arn.js'
import { maskSecret } from '../runner/secrets.js'
import type { RoleRequest, Settings } from '../settings.js'

export interface SessionCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

export interface Session {
  credentials: SessionCredentials
  /** The assumed-role session ARN, or the caller's ARN when no role was assumed. */
  arn: string
  /** Empty when the ARN carries no account (STS-compatible servers). */
  accountId: string
}

/** How a session was had: which call, or which credentials were used as they were. */
export type Via =
  | 'AssumeRole'
  | 'AssumeRoleWithWebIdentity'
  | 'source credentials'
  | 'existing credentials'
  /** Neither a role nor keys: the runner's own credentials, checked and left where they are. */
  | 'ambient credentials'

/** A session and how it was had: what publishing and the profiles are given. */
export interface Outcome {
  session: Session
  via: Via
}

/** STS answered 2xx without the credentials or ARN every successful answer carries. */
export class IncompleteResponseError extends Error {
  constructor(what: string) {
    super(`STS answered without ${what}.`)
    this.name = 'IncompleteResponseError'
  }
}

/** Where the client sends, as whom, and how (retry, attempt bound, agents). */
export interface StsClientOptions extends CallOptions, Pick<Settings, 'region' | 'stsEndpoint'> {
  /** For AssumeRole and GetCallerIdentity; none for AssumeRoleWithWebIdentity. */
  credentials?: AwsCredentialIdentity
}

export function createStsClient(options: StsClientOptions): STSClient {
  const { region, stsEndpoint, credentials, retry } = options
  const client = new STSClient({
    region,
    endpoint: stsEndpoint,
    // The endpoint was chosen once, with the cleartext rule (network/endpoint-resolution.ts
    // withStsEndpoint): the SDK must not pick another from AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or
    // the shared config profile on its own.
    ignoreConfiguredEndpointUrls: true,
    credentials,
    maxAttempts: retry.maxAttempts,
    retryStrategy: retry,
    // network/bounded-http.ts bounds each attempt as a whole (body included) and its size.
    requestHandler: callHandler('STS', options),
    customUserAgent: 'assume-aws-role-action',
    ...settledOptions(process.env)
  })
  keepErrorBodies(client)
  return client
}

/**
 * Options the SDK would otherwise look up in the shared config file, each lookup parsing the whole
 * file again (about 5 s per lookup for a 50 MB SSO config). The action decides these itself: FIPS
 * and dual-stack from the environment unless a shared file sets them (network/endpoint-resolution.ts); STS signs
 * with SigV4 only, so no auth-scheme preference or SigV4a region set applies; the app ID and the
 * clock-skew switch come from their environment variables.
 */
function settledOptions(env: NodeJS.ProcessEnv): {
  useFipsEndpoint?: boolean
  useDualstackEndpoint?: boolean
  authSchemePreference: string[]
  sigv4aSigningRegionSet: string[]
  userAgentAppId: string
  disableClockSkewCorrection: boolean
} {
  const flags = clientEndpointFlags(env)
  return {
    ...(flags ? { useFipsEndpoint: flags.useFips, useDualstackEndpoint: flags.useDualStack } : {}),
    authSchemePreference: [],
    sigv4aSigningRegionSet: [],
    userAgentAppId: env.AWS_SDK_UA_APP_ID ?? '',
    disableClockSkewCorrection: env.AWS_DISABLE_CLOCK_SKEW_CORRECTION === 'true'
  }
}

export async function assumeRole(
  client: STSClient,
  roleArn: string,
  request: RoleRequest,
  signal: AbortSignal
): Promise<Session> {
  const output = await client.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: request.sessionName,
      DurationSeconds: request.durationSeconds,
      ExternalId: request.externalId,
      Tags: request.tags.length > 0 ? request.tags : undefined,
      TransitiveTagKeys:
        request.transitiveTagKeys.length > 0 ? request.transitiveTagKeys : undefined,
      Policy: request.inlinePolicy,
      PolicyArns: policyArns(request),
      SourceIdentity: request.sourceIdentity
    }),
    { abortSignal: signal }
  )
  return sessionFrom(output.Credentials, output.AssumedRoleUser?.Arn)
}

export async function assumeRoleWithWebIdentity(
  client: STSClient,
  roleArn: string,
  request: RoleRequest,
  token: string,
  signal: AbortSignal
): Promise<Session> {
  const output = await client.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: request.sessionName,
      DurationSeconds: request.durationSeconds,
      WebIdentityToken: token,
      Policy: request.inlinePolicy,
      PolicyArns: policyArns(request)
    }),
    { abortSignal: signal }
  )
  return sessionFrom(output.Credentials, output.AssumedRoleUser?.Arn)
}

/** Who the given credentials belong to; used only where nothing else can tell. */
export async function getCallerIdentity(client: STSClient, signal: AbortSignal): Promise<string> {
  const output = await client.send(new GetCallerIdentityCommand({}), { abortSignal: signal })
  if (!output.Arn) throw new IncompleteResponseError('the caller ARN')
  return checkArn(output.Arn, false)
}

function policyArns(request: RoleRequest): Array<{ arn: string }> | undefined {
  return request.managedPolicies.length > 0
    ? request.managedPolicies.map(arn => ({ arn }))
    : undefined
}

/**
 * Checks what STS returned is complete and well-formed (answers.ts), and masks it before anything
 * else can see it. A value that breaks its rule is never printed, so it is not masked either.
 */
function sessionFrom(credentials: Credentials | undefined, arn: string | undefined): Session {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
    throw new IncompleteResponseError('credentials')
  }
  const checked = checkCredentials(credentials)
  maskSecret(checked.accessKeyId)
  maskSecret(checked.secretAccessKey)
  maskSecret(checked.sessionToken)
  if (!arn) throw new IncompleteResponseError('the assumed-role ARN')
  checkArn(arn, true)
  return { credentials: checked, arn, accountId: accountOfArn(arn) }
}
