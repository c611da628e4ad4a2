/**
 * One ID token shared by every role of the run, replaced when it is about to expire, when STS
 * says it has (a long run of retries can outlive a five-minute token), and before each new attempt
 * after STS could not check it with the identity provider (network/retry.ts, needsFreshToken), as
 * configure-aws-credentials retries those. Bounded by MAX_TOKEN_FETCHES.
 */
import type { TransientOnlyRetry } from '../network/retry.js'
import { info } from '../runner/commands.js'
import type { Session } from '../network/sts.js'
import { tokenExpiry } from './github-oidc.js'

/** A token with less than this left is replaced before use. */
const TOKEN_EXPIRY_MARGIN_S = 30
/**
 * How many ID tokens one run may fetch: the first, one per fresh-token attempt
 * (MAX_FRESH_TOKEN_ATTEMPTS), one more when STS says the last expired.
 */
const MAX_TOKEN_FETCHES = 6
/**
 * Attempts of one role when STS cannot reach the identity provider, each with a fresh token; the
 * SDK's backoff waits at most 0.2 + 0.4 + 0.8 s between them (StandardRetryStrategy, base 100 ms).
 */
export const MAX_FRESH_TOKEN_ATTEMPTS = 4

export class TokenSupply {
  private current: Promise<string> | undefined
  private fetches = 0
  private lastFetched: string | undefined

  constructor(private readonly fetchToken: () => Promise<string>) {}

  /** The token most recently fetched, for explaining a refusal (its claims); undefined before. */
  get latest(): string | undefined {
    return this.lastFetched
  }

  /**
   * Starts the first fetch; its outcome, failure included, goes to the first use. The promise
   * returned settles (never rejects) when that fetch does.
   */
  prefetch(): Promise<void> {
    return this.get().then(
      () => undefined,
      () => undefined
    )
  }

  /**
   * `assume` with the current token; with `retry`, again with a fresh token as long as it allows
   * (it retries only what a fresh token may fix).
   */
  async use(
    assume: (token: string) => Promise<Session>,
    retry?: TransientOnlyRetry,
    signal?: AbortSignal
  ): Promise<Session> {
    let token = await this.get()
    if (await this.expiresSoon(token)) token = await this.replace(token)
    if (!retry) return this.once(token, assume)
    let first = true
    return retry.attempt(async () => {
      if (!first) token = await this.replace(token)
      first = false
      return this.once(token, assume)
    }, signal)
  }

  /** One attempt; when STS says the token expired, once more with a fresh one. */
  private async once(token: string, assume: (token: string) => Promise<Session>): Promise<Session> {
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
    this.lastFetched = token
    return token
  }

  private async expiresSoon(token: string): Promise<boolean> {
    const expiry = await tokenExpiry(token)
    return expiry !== undefined && expiry - Date.now() / 1000 < TOKEN_EXPIRY_MARGIN_S
  }
}
