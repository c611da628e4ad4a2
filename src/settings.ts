/**
 * The validated plan for one run: everything the inputs, the environment and the run's context
 * decide, before any network call. Built by inputs/index.ts; read by everything after it.
 */
import type { SuppliedInput } from './runner/environment-inputs.js'
import type { InheritedVariables } from './runner/inherited-variables.js'
import type { RoleArn } from './rules/arn.js'
import type { EndpointOrigin } from './rules/endpoint.js'
import type { Tag } from './rules/tags.js'

export interface StaticCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** Where the identity that calls STS comes from, in the order inputs/source.ts chooses it. */
export type SourcePlan =
  | { kind: 'access-keys'; keys: StaticCredentials }
  | { kind: 'github-oidc'; requestUrl: string; requestToken: string; audience: string }
  | { kind: 'token-file'; path: string }
  /** Credentials already in the job (a previous step, role chaining, a self-hosted runner's role). */
  | { kind: 'environment'; chaining: boolean }

export interface RoleRequest {
  /** A full ARN, or a bare name resolved against the source keys' account. */
  role: RoleArn | { bareName: string }
  sessionName: string
  durationSeconds: number
  externalId?: string
  /** Session tags; only sent with AssumeRole (AssumeRoleWithWebIdentity has no Tags parameter). */
  tags: Tag[]
  transitiveTagKeys: string[]
  inlinePolicy?: string
  managedPolicies: string[]
  sourceIdentity?: string
}

export interface RetrySettings {
  /** Attempts per network call, 1 when retries are disabled. */
  maxAttempts: number
  /** Bound on the whole main step, when set. */
  actionTimeoutMs?: number
}

/** One of several roles assumed in one step, each written to its own profile. */
export interface ProfileRole {
  profile: string
  region: string
  request: RoleRequest & { role: RoleArn }
}

export interface Settings {
  region: string
  source: SourcePlan
  /** Absent when only access keys are given: they are exported as they are. */
  role?: RoleRequest
  /** Where every STS call goes (the SDK reads no endpoint of its own: network/sts.ts); absent: AWS's. */
  stsEndpoint?: string
  /** What chose stsEndpoint, for errors and the cleartext warning. */
  stsEndpointOrigin?: EndpointOrigin
  allowedAccountIds: string[]
  maskAccountId: boolean
  outputCredentials: boolean
  outputEnvCredentials: boolean
  unsetCurrentCredentials: boolean
  /** Credential and profile variables earlier steps left in the job's environment. */
  inherited: InheritedVariables
  retry: RetrySettings
  /**
   * special-characters-workaround: re-assume (a bounded number of times, independent of retries)
   * until the secret key has only letters and digits.
   */
  specialCharactersWorkaround: boolean
  /** aws-profile: also write the session to this named profile. */
  profile?: { name: string }
  /** overwrite-aws-profile: replace existing profiles of the same names (aws-profile and role-profiles). */
  overwriteProfiles: boolean
  /** role-profiles: roles assumed in parallel from the same source, one profile each. */
  profileRoles: ProfileRole[]
  /** Write profiles the CLI and SDKs refresh by themselves instead of static keys. */
  refreshCredentials: boolean
  /** Skip assuming when the credentials already in the environment work. */
  useExistingCredentials: boolean
  /** Inputs that were empty and filled from an environment variable, in the order read. */
  inputsFromEnvironment: SuppliedInput[]
  /**
   * One line each for what the inputs ask that is ignored (an unknown input, tags or an external
   * ID that AssumeRoleWithWebIdentity cannot take, …); main prints them as warnings.
   */
  warnings: string[]
  /** Proxy for AWS calls; `fromInput` when http-proxy was given rather than taken from HTTPS_PROXY. */
  proxy: { url?: string; noProxy?: string; fromInput: boolean }
}
