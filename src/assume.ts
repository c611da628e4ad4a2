/**
 * From the plan to sessions: get the source identity once, then make the one STS call each role
 * needs (two only when a bare role name must be resolved to the caller's account). Several roles
 * (role-profiles) share the source: one set of keys, or one ID token while it is valid.
 */
import type { STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity } from '@smithy/types'
import { AttemptError, ProfileError, type AttemptFacts } from './diagnose/attempt-error.js'
import { errorCode } from './network/error-code.js'
import { proxyAgents, type Agents } from './network/http-agents.js'
import { letConnectionsProgress, type Preconnect } from './network/preconnect.js'
import { warmAgents } from './network/warm-agents.js'
import { accountOfArn, roleArnInCallerAccount } from './rules/arn.js'
import { classifyForFreshToken, TransientOnlyRetry } from './network/retry.js'
import { debug, info, setSecret } from './runner/commands.js'
import { withoutDroppableTags } from './inputs/session-tags.js'
import type { RoleRequest, Settings } from './settings.js'
import { fromEnvironment } from './sources/environment.js'
import { fetchIdToken } from './sources/github-oidc.js'
import { resolveSource, type Source } from './sources/resolve-source.js'
import { MAX_FRESH_TOKEN_ATTEMPTS } from './sources/token-supply.js'
import type { Outcome, Session } from './network/sts.js'
import type { ProfileEntry } from './profiles/named-profiles.js'

/** Each attempt gets at most this long; a stalled connection must not eat the whole budget. */
const ATTEMPT_TIMEOUT_MS = 10_000
/** Re-assumes allowed by special-characters-workaround; each is a full AssumeRole call. */
const MAX_SPECIAL_CHARACTER_TRIES = 12

/**
 * The STS module, and with it the SDK, loaded on first use: the main step opens its connections
 * and starts the ID-token request first, so they run while the SDK loads (network/preconnect.ts).
 */
let stsModule: Promise<typeof import('./network/sts.js')> | undefined
const loadSts = (): Promise<typeof import('./network/sts.js')> =>
  (stsModule ??= letConnectionsProgress().then(() => import('./network/sts.js')))

export type { Outcome, Via } from './network/sts.js'
export type { Source } from './sources/resolve-source.js'

export class Assumer {
  private readonly clients = new Map<string, STSClient>()
  private readonly attemptTimeoutMs: number
  /** One set of agents (and proxy) for STS and the ID-token endpoint alike. */
  private readonly agents: Agents

  constructor(
    private readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
    private readonly signal: AbortSignal,
    /** The early connections (network/preconnect.ts); without them, the proxy's agents or none. */
    private readonly early?: Pick<Preconnect, 'sockets' | 'whenTaken'>
  ) {
    this.attemptTimeoutMs = attemptTimeout(settings)
    this.agents = early ? warmAgents(early.sockets) : proxyAgents(settings.proxy)
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

  /** The source identity (sources/resolve-source.ts), masked as soon as it is held. */
  async source(): Promise<Source> {
    const source = await resolveSource(this.settings.source, {
      env: this.env,
      fetchIdToken: plan =>
        fetchIdToken(plan, {
          retry: this.retry('ID token request'),
          attemptTimeoutMs: this.attemptTimeoutMs,
          signal: this.signal,
          agents: this.agents
        })
    })
    // Every path that takes a source uses its token: ask now, while the SDK loads.
    const first = source.token?.prefetch()
    const plan = this.settings.source
    if (first && plan.kind === 'github-oidc' && this.early) {
      // Until the request is on its early connection: loading the SDK holds the event loop for
      // tens of milliseconds, and with it the TLS handshake and the request (measured: the
      // request went out only once the SDK had loaded, and STS waited for the token).
      await Promise.race([this.early.whenTaken(plan.requestUrl), first])
    }
    return source
  }

  /**
   * Keys without a role: one GetCallerIdentity proves they work and names them. With neither
   * keys nor a role, the same check on the runner's own credentials, which stay where they are.
   */
  async sourceSession(source: Source): Promise<Outcome> {
    // Keys and the environment always carry credentials; only web identity has none (it needs a role).
    if (!source.credentials) throw new Error('no credentials to check')
    const { getCallerIdentity } = await loadSts()
    const arn = await getCallerIdentity(
      await this.client(this.settings.region, source.credentials),
      this.signal
    )
    return {
      session: { credentials: { ...source.credentials }, arn, accountId: accountOfArn(arn) },
      via:
        this.settings.source.kind === 'environment' ? 'ambient credentials' : 'source credentials'
    }
  }

  /**
   * One role: AssumeRoleWithWebIdentity with a token, else AssumeRole with credentials. A failure
   * is thrown as an AttemptError carrying the role, the caller and the token it was made with.
   */
  async assume(
    source: Source,
    request: RoleRequest,
    region = this.settings.region
  ): Promise<Outcome> {
    const facts: AttemptFacts = {}
    try {
      return await this.assumeWith(source, request, region, facts)
    } catch (error) {
      throw new AttemptError(error, { ...facts, idToken: source.token?.latest })
    }
  }

  private async assumeWith(
    source: Source,
    request: RoleRequest,
    region: string,
    facts: AttemptFacts
  ): Promise<Outcome> {
    const client = await this.client(region, source.credentials)
    const { assumeRoleWithWebIdentity } = await loadSts()
    if (source.token) {
      const roleArn = 'arn' in request.role ? request.role.arn : request.role.bareName
      facts.roleArn = roleArn
      const tokens = source.token
      const session = await this.withWorkaround(() =>
        tokens.use(
          token => {
            debug(`AssumeRoleWithWebIdentity ${roleArn} as session ${request.sessionName}`)
            return assumeRoleWithWebIdentity(client, roleArn, request, token, this.signal)
          },
          this.freshTokenRetry(),
          this.signal
        )
      )
      return { session, via: 'AssumeRoleWithWebIdentity' }
    }
    const roleArn = await this.resolveRoleArn(client, request, facts)
    facts.roleArn = roleArn
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
    const { assumeRole } = await loadSts()
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

  /** The role's ARN; a bare name is resolved in the caller's account (the caller goes on `facts`). */
  private async resolveRoleArn(
    client: STSClient,
    request: RoleRequest,
    facts: AttemptFacts
  ): Promise<string> {
    if ('arn' in request.role) return request.role.arn
    facts.roleArn = request.role.bareName
    const { getCallerIdentity } = await loadSts()
    facts.callerArn = await getCallerIdentity(client, this.signal)
    const { arn, accountId } = roleArnInCallerAccount(request.role.bareName, facts.callerArn)
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

  /**
   * Around each whole web identity attempt: when STS could not check the token with the identity
   * provider, again with a fresh token, a few times (token-supply.ts), within retry-max-attempts.
   */
  private freshTokenRetry(): TransientOnlyRetry {
    return new TransientOnlyRetry(
      Math.min(this.settings.retry.maxAttempts, MAX_FRESH_TOKEN_ATTEMPTS),
      'AssumeRoleWithWebIdentity (a fresh ID token each attempt)',
      info,
      classifyForFreshToken
    )
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
      client = createStsClient({
        region,
        stsEndpoint: this.settings.stsEndpoint,
        credentials,
        retry: this.retry(credentials ? 'STS' : 'AssumeRoleWithWebIdentity'),
        attemptTimeoutMs: this.attemptTimeoutMs,
        agents: this.agents
      })
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
 * The session for role-to-assume (or the source keys alone), and one per role-profiles entry,
 * all from one source identity and all in parallel. Any role failing fails the whole step.
 */
export async function obtainSessions(
  assumer: Assumer,
  settings: Settings
): Promise<{ outcome?: Outcome; profiles: ProfileEntry[] }> {
  const existing = settings.useExistingCredentials ? await assumer.existingSession() : undefined
  const wantsMain = !existing && (settings.role !== undefined || settings.profileRoles.length === 0)
  const source: Source | undefined =
    wantsMain || settings.profileRoles.length > 0 ? await assumer.source() : undefined
  const main = async (): Promise<Outcome | undefined> => {
    if (!wantsMain || !source) return existing
    return settings.role ? assumer.assume(source, settings.role) : assumer.sourceSession(source)
  }
  // Settle everything before judging, so no call is left running when the step fails.
  const [[mainResult], roleResults] = await Promise.all([
    Promise.allSettled([main()]),
    Promise.allSettled(
      settings.profileRoles.map(entry =>
        source
          ? assumer.assume(source, entry.request, entry.region)
          : Promise.reject(new Error('no source'))
      )
    )
  ])
  if (mainResult?.status === 'rejected') throw mainResult.reason
  const outcome = mainResult?.value
  const profiles: ProfileEntry[] = []
  if (outcome && settings.profile) {
    profiles.push({
      profile: settings.profile.name,
      region: settings.region,
      outcome,
      request: settings.role
    })
  }
  settings.profileRoles.forEach((entry, index) => {
    const result = roleResults[index]
    if (result?.status === 'rejected') {
      throw new ProfileError(entry.profile, entry.request.role.arn, result.reason)
    }
    if (result) {
      profiles.push({
        profile: entry.profile,
        region: entry.region,
        outcome: result.value,
        request: entry.request
      })
    }
  })
  return { outcome, profiles }
}
