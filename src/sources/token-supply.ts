/**
 * One ID token shared by every role of the run, replaced when it is about to expire or when STS
 * says it has (a long run of retries can outlive a five-minute token). Bounded by MAX_TOKEN_FETCHES.
 */
import { info } from '../runner.js'
import type { Session } from '../sts.js'
import { tokenExpiry } from './github-oidc.js'

/** A token with less than this left is replaced before use. */
const TOKEN_EXPIRY_MARGIN_S = 30
/** How many ID tokens one run may fetch (a fresh one when STS says the last expired). */
const MAX_TOKEN_FETCHES = 3

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
    this.lastFetched = token
    return token
  }

  private async expiresSoon(token: string): Promise<boolean> {
    const expiry = await tokenExpiry(token)
    return expiry !== undefined && expiry - Date.now() / 1000 < TOKEN_EXPIRY_MARGIN_S
  }
}
