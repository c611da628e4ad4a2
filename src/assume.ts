/**
 * From the plan to sessions: get the source identity once, then make the one STS call each role
 * needs (two only when a bare role name must be resolved to the caller's account). Several roles
 * (role-profiles) share the source: one set of keys, or one ID token while it is valid.
 */
import type { STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity } from '@smithy/types'
import { errorCode } from './error-code.js'
import { proxyAgents, type Agents } from './http-agents.js'
import { accountOfArn, roleArnInCallerAccount } from './rules/arn.js'
import { TransientOnlyRetry } from './retry.js'
import { debug, info, setSecret } from './runner.js'
import { withoutDroppableTags } from './session-tags.js'
import type { RoleRequest, Settings } from './settings.js'
import { fromAccessKeys } from './sources/access-keys.js'
import { fromDefaultChain } from './sources/default-chain.js'
import { fromEnvironment } from './sources/environment.js'
import { fetchIdToken, tokenExpiry } from './sources/github-oidc.js'
import { fromTokenFile } from './sources/token-file.js'
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  createStsClient,
  getCallerIdentity,
  type Session
} from './sts.js'

/** Each attempt gets at most this long; a stalled connection must not eat the whole budget. */
const ATTEMPT_TIMEOUT_MS = 10_000
/** A token with less than this left is replaced before use. */
const TOKEN_EXPIRY_MARGIN_S = 30
/** How many ID tokens one run may fetch (a fresh one when STS says the last expired). */
const MAX_TOKEN_FETCHES = 3
/** Re-assumes allowed by special-characters-workaround; each is a full AssumeRole call. */
const MAX_SPECIAL_CHARACTER_TRIES = 12

export type Via =
  | 'AssumeRole'
  | 'AssumeRoleWithWebIdentity'
  | 'source credentials'
  | 'existing credentials'
  /** Neither a role nor keys: the runner's own credentials, checked and left where they are. */
  | 'ambient credentials'

export interface Outcome {
  session: Session
  via: Via
}

/** What a failure can be explained with: the token used, the role, the caller. */
export interface AttemptRecord {
  idToken?: string
  roleArn?: string
  callerArn?: string
  /** The profile whose role failed, with role-profiles. */
  profile?: string
}

/** The identity that calls STS, ready for any number of roles. */
export interface Source {
  /** For AssumeRole and GetCallerIdentity; undefined means the SDK's default chain. */
  credentials?: AwsCredentialIdentity
  /** For AssumeRoleWithWebIdentity: the current token, fetched once and shared. */
  token?: TokenSupply
}

export class Assumer {
  private readonly clients = new Map<string, STSClient>()
  private readonly attemptTimeoutMs: number
  /** One set of agents (and proxy) for STS and the ID-token endpoint alike. */
  private readonly agents: Agents

  constructor(
    private readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
    private readonly signal: AbortSignal,
    readonly record: AttemptRecord
  ) {
    this.attemptTimeoutMs = attemptTimeout(settings)
    this.agents = proxyAgents(settings.proxy)
  }

  /** With use-existing-credentials: the session the environment already has, if it works. */
  async existingSession(): Promise<Outcome | undefined> {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = this.env
    if (!accessKeyId || !secretAccessKey) return undefined
    const credentials = fromEnvironment(this.env, false)
    try {
      const arn = await getCallerIdentity(
        this.client(this.settings.region, credentials),
        this.signal
      )
      return {
        session: {
          credentials: credentials ?? { accessKeyId, secretAccessKey },
          arn,
          accountId: accountOfArn(arn)
        },
        via: 'existing credentials'
      }
    } catch (error) {
      info(
        `use-existing-credentials: the credentials in the environment do not work (${(error as Error).name}); assuming the role`
      )
      return undefined
    }
  }

  /** The source identity, masked as soon as it is held. */
  async source(): Promise<Source> {
    const { source } = this.settings
    switch (source.kind) {
      case 'access-keys':
        return { credentials: fromAccessKeys(source.keys) }
      case 'environment':
        return { credentials: await this.ambient(source.chaining) }
      case 'github-oidc':
        return {
          token: new TokenSupply(
            () =>
              fetchIdToken(
                source,
                this.retry('ID token request'),
                this.attemptTimeoutMs,
                this.signal,
                this.agents
              ),
            this.record
          )
        }
      case 'token-file':
        return { token: new TokenSupply(() => fromTokenFile(source.path, this.env), this.record) }
    }
  }

  /**
   * Keys an earlier step exported, else what the SDK's default chain finds; masked as soon as
   * they are held, and one line says where they came from.
   */
  private async ambient(chaining: boolean): Promise<AwsCredentialIdentity> {
    const fromEnv = fromEnvironment(this.env, chaining)
    if (fromEnv) {
      info(
        'Source credentials: from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment'
      )
      return fromEnv
    }
    const { credentials, origin } = await fromDefaultChain(this.env)
    info(`Source credentials: ${origin}`)
    return credentials
  }

  /**
   * Keys without a role: one GetCallerIdentity proves they work and names them. With neither
   * keys nor a role, the same check on the runner's own credentials, which stay where they are.
   */
  async sourceSession(source: Source): Promise<Outcome> {
    // Keys and the environment always carry credentials; only web identity has none (it needs a role).
    if (!source.credentials) throw new Error('no credentials to check')
    const arn = await getCallerIdentity(
      this.client(this.settings.region, source.credentials),
      this.signal
    )
    this.record.callerArn = arn
    return {
      session: { credentials: { ...source.credentials }, arn, accountId: accountOfArn(arn) },
      via:
        this.settings.source.kind === 'environment' ? 'ambient credentials' : 'source credentials'
    }
  }

  /** One role: AssumeRoleWithWebIdentity with a token, else AssumeRole with credentials. */
  async assume(
    source: Source,
    request: RoleRequest,
    region = this.settings.region
  ): Promise<Outcome> {
    const client = this.client(region, source.credentials)
    if (source.token) {
      const roleArn = 'arn' in request.role ? request.role.arn : request.role.bareName
      this.record.roleArn ??= roleArn
      const tokens = source.token
      const session = await this.withWorkaround(() =>
        tokens.use(token => {
          debug(`AssumeRoleWithWebIdentity ${roleArn} as session ${request.sessionName}`)
          return assumeRoleWithWebIdentity(client, roleArn, request, token, this.signal)
        })
      )
      return { session, via: 'AssumeRoleWithWebIdentity' }
    }
    const roleArn = await this.resolveRoleArn(client, request)
    this.record.roleArn ??= roleArn
    const session = await this.withWorkaround(() => {
      debug(`AssumeRole ${roleArn} as session ${request.sessionName}`)
      return this.assumeFittingTags(client, roleArn, request)
    })
    return { session, via: 'AssumeRole' }
  }

  /**
   * AssumeRole; when STS answers PackedPolicyTooLarge, once more without the droppable context
   * tags (EventName, BaseRef, HeadRef, RunId, Job, TriggeringActor), as configure-aws-credentials
   * v6.2.3 does (assumeRoleWithCredentials in src/assumeRole.ts), with one log line saying so.
   */
  private async assumeFittingTags(
    client: STSClient,
    roleArn: string,
    request: RoleRequest
  ): Promise<Session> {
    try {
      return await assumeRole(client, roleArn, request, this.signal)
    } catch (error) {
      // The SDK names it PackedPolicyTooLargeException; a bare <Error> keeps the wire code.
      const code = errorCode(error)
      const smaller =
        code === 'PackedPolicyTooLargeException' || code === 'PackedPolicyTooLarge'
          ? withoutDroppableTags(request)
          : undefined
      if (!smaller) throw error
      info(
        `STS answered PackedPolicyTooLarge (session tags too large once packed); retrying once without the tags ${smaller.dropped.join(', ')}`
      )
      return assumeRole(client, roleArn, smaller.request, this.signal)
    }
  }

  private async resolveRoleArn(client: STSClient, request: RoleRequest): Promise<string> {
    if ('arn' in request.role) return request.role.arn
    this.record.callerArn = await getCallerIdentity(client, this.signal)
    const { arn, accountId } = roleArnInCallerAccount(request.role.bareName, this.record.callerArn)
    if (this.settings.maskAccountId) setSecret(accountId)
    info(`Resolved role name ${request.role.bareName} to ${arn}`)
    return arn
  }

  /**
   * special-characters-workaround: some tools mishandle '/' and '+' in secret keys, so assume
   * again until the secret has only letters and digits, a bounded number of times.
   */
  private async withWorkaround(assume: () => Promise<Session>): Promise<Session> {
    if (!this.settings.specialCharactersWorkaround) return assume()
    // Independent of retry-max-attempts: these are successful calls, not retries of failures.
    const tries = MAX_SPECIAL_CHARACTER_TRIES
    for (let attempt = 1; ; attempt++) {
      const session = await assume()
      if (/^[A-Za-z0-9]+$/.test(session.credentials.secretAccessKey)) return session
      if (attempt >= tries) {
        throw new Error(
          `special-characters-workaround: no secret key without special characters after ${tries} sessions; try again or drop the workaround.`
        )
      }
      info(
        `special-characters-workaround: secret key has special characters; assuming again (${attempt}/${tries})`
      )
    }
  }

  private retry(what: string): TransientOnlyRetry {
    return new TransientOnlyRetry(this.settings.retry.maxAttempts, what, info)
  }

  /** One client per region and identity; credentials are fixed per run, so the region is the key. */
  private client(region: string, credentials: AwsCredentialIdentity | undefined): STSClient {
    const key = `${region} ${credentials?.accessKeyId ?? ''}`
    let client = this.clients.get(key)
    if (!client) {
      client = createStsClient(
        { ...this.settings, region },
        credentials,
        this.retry(credentials ? 'STS' : 'AssumeRoleWithWebIdentity'),
        this.attemptTimeoutMs,
        this.agents
      )
      this.clients.set(key, client)
    }
    return client
  }
}

function attemptTimeout(settings: Settings): number {
  const total = settings.retry.actionTimeoutMs
  return total
    ? Math.max(1_000, Math.min(ATTEMPT_TIMEOUT_MS, Math.floor(total / 3)))
    : ATTEMPT_TIMEOUT_MS
}

/**
 * One ID token shared by every role of the run, replaced when it is about to expire or when STS
 * says it has (a long run of retries can outlive a five-minute token). Bounded by MAX_TOKEN_FETCHES.
 */
export class TokenSupply {
  private current: Promise<string> | undefined
  private fetches = 0

  constructor(
    private readonly fetchToken: () => Promise<string>,
    private readonly record: AttemptRecord
  ) {}

  async use(assume: (token: string) => Promise<Session>): Promise<Session> {
    let token = await this.get()
    if (await this.expiresSoon(token)) token = await this.replace(token)
    try {
      return await assume(token)
    } catch (error) {
      if ((error as { name?: string }).name !== 'ExpiredTokenException') throw error
      if (this.fetches >= MAX_TOKEN_FETCHES) throw error
      info('The ID token expired before STS accepted it; fetching a fresh one')
      return assume(await this.replace(token))
    }
  }

  private get(): Promise<string> {
    this.current ??= this.fetch()
    return this.current
  }

  /** A new token, unless another role already replaced the stale one. */
  private async replace(stale: string): Promise<string> {
    if ((await this.get()) === stale && this.fetches < MAX_TOKEN_FETCHES)
      this.current = this.fetch()
    return this.get()
  }

  private async fetch(): Promise<string> {
    this.fetches++
    const token = await this.fetchToken()
    this.record.idToken = token
    return token
  }

  private async expiresSoon(token: string): Promise<boolean> {
    const expiry = await tokenExpiry(token)
    return expiry !== undefined && expiry - Date.now() / 1000 < TOKEN_EXPIRY_MARGIN_S
  }
}
