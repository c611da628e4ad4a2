/**
 * From the plan to sessions: get the source identity once, then make the one STS call each role
 * needs (two only when a bare role name must be resolved to the caller's account). Several roles
 * (role-profiles) share the source: one set of keys, or one ID token while it is valid.
 */
import type { STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity } from '@smithy/types'
import { proxyAgents, type Agents } from './http-agents.js'
import { letConnectionsProgress } from './preconnect.js'
import { accountOfArn, roleArnInCallerAccount } from './rules/arn.js'
import { TransientOnlyRetry } from './retry.js'
import { debug, info, setSecret } from './runner.js'
import type { RoleRequest, Settings } from './settings.js'
import { fromAccessKeys } from './sources/access-keys.js'
import { fromEnvironment } from './sources/environment.js'
import { fetchIdToken, tokenExpiry } from './sources/github-oidc.js'
import { fromTokenFile } from './sources/token-file.js'
import type { Session } from './sts.js'

/** Each attempt gets at most this long; a stalled connection must not eat the whole budget. */
const ATTEMPT_TIMEOUT_MS = 10_000
/** A token with less than this left is replaced before use. */
const TOKEN_EXPIRY_MARGIN_S = 30
/** How many ID tokens one run may fetch (a fresh one when STS says the last expired). */
const MAX_TOKEN_FETCHES = 3
/** Re-assumes allowed by special-characters-workaround; each is a full AssumeRole call. */
const MAX_SPECIAL_CHARACTER_TRIES = 12

/**
 * The STS module, and with it the SDK, loaded on first use: the main step opens its connections
 * and starts the ID-token request first, so they run while the SDK loads (preconnect.ts).
 */
let stsModule: Promise<typeof import('./sts.js')> | undefined
const loadSts = (): Promise<typeof import('./sts.js')> =>
  (stsModule ??= letConnectionsProgress().then(() => import('./sts.js')))

export type Via =
  'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'source credentials' | 'existing credentials'

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
    readonly record: AttemptRecord,
    /** Agents holding early connections (preconnect.ts); without them, the proxy's or none. */
    agents?: Agents
  ) {
    this.attemptTimeoutMs = attemptTimeout(settings)
    this.agents = agents ?? proxyAgents(settings.proxy)
  }

  /** With use-existing-credentials: the session the environment already has, if it works. */
  async existingSession(): Promise<Outcome | undefined> {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = this.env
    if (!accessKeyId || !secretAccessKey) return undefined
    const credentials = fromEnvironment(this.env, false)
    try {
      const { getCallerIdentity } = await loadSts()
      const arn = await getCallerIdentity(
        await this.client(this.settings.region, credentials),
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
        return { credentials: fromEnvironment(this.env, source.chaining) }
      case 'github-oidc': {
        const token = new TokenSupply(
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
        // Every path that takes a source uses its token: ask now, while the SDK loads.
        token.prefetch()
        return { token }
      }
      case 'token-file':
        return { token: new TokenSupply(() => fromTokenFile(source.path, this.env), this.record) }
    }
  }

  /** Keys without a role: one GetCallerIdentity proves they work and names them. */
  async sourceSession(source: Source): Promise<Outcome> {
    if (!source.credentials) throw new Error('no credentials to export') // inputs.ts requires keys here
    const { getCallerIdentity } = await loadSts()
    const arn = await getCallerIdentity(
      await this.client(this.settings.region, source.credentials),
      this.signal
    )
    this.record.callerArn = arn
    return {
      session: { credentials: { ...source.credentials }, arn, accountId: accountOfArn(arn) },
      via: 'source credentials'
    }
  }

  /** One role: AssumeRoleWithWebIdentity with a token, else AssumeRole with credentials. */
  async assume(
    source: Source,
    request: RoleRequest,
    region = this.settings.region
  ): Promise<Outcome> {
    const client = await this.client(region, source.credentials)
    const { assumeRole, assumeRoleWithWebIdentity } = await loadSts()
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
      return assumeRole(client, roleArn, request, this.signal)
    })
    return { session, via: 'AssumeRole' }
  }

  private async resolveRoleArn(client: STSClient, request: RoleRequest): Promise<string> {
    if ('arn' in request.role) return request.role.arn
    const { getCallerIdentity } = await loadSts()
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
    if (!this.settings.retry.specialCharactersWorkaround) return assume()
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
  private async client(
    region: string,
    credentials: AwsCredentialIdentity | undefined
  ): Promise<STSClient> {
    const { createStsClient } = await loadSts()
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

  /** Starts the first fetch; its outcome, failure included, goes to the first use. */
  prefetch(): void {
    this.get().catch(() => undefined)
  }

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
