import type { TransientOnlyRetry } from '../retry.js'
import { maskSecret } from '../secrets.js'

/** GitHub answered the token request with an error; the status tells transient from permanent. */
export class IdTokenRequestError extends Error {
  readonly $metadata: { httpStatusCode: number }

  constructor(status: number) {
    super(`GitHub's ID token endpoint answered HTTP ${status}.`)
    this.name = 'IdTokenRequestError'
    this.$metadata = { httpStatusCode: status }
  }
}

export interface IdTokenRequest {
  requestUrl: string
  requestToken: string
  audience: string
}

/**
 * GitHub's ID token for `audience`, fetched with the platform's fetch (the runner gives the URL and
 * a bearer token when the job has `permissions: id-token: write`). Each attempt has its own timeout;
 * 429, 5xx and network failures are retried by the shared strategy, 4xx are not.
 */
export async function fetchIdToken(
  request: IdTokenRequest,
  retry: TransientOnlyRetry,
  attemptTimeoutMs: number,
  signal: AbortSignal
): Promise<string> {
  maskSecret(request.requestToken)
  const url = new URL(request.requestUrl)
  url.searchParams.set('audience', request.audience)
  const token = await retry.attempt(async () => {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${request.requestToken}`, accept: 'application/json' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(attemptTimeoutMs)])
    })
    if (!response.ok) {
      await response.body?.cancel()
      throw new IdTokenRequestError(response.status)
    }
    const body = (await response.json().catch(() => ({}))) as { value?: unknown }
    if (typeof body.value !== 'string' || body.value.split('.').length !== 3) {
      throw new IdTokenRequestError(502)
    }
    return body.value
  }, signal)
  maskSecret(token)
  return token
}

/** Seconds since the epoch when the token expires, from its (unverified) claims. */
export async function tokenExpiry(token: string): Promise<number | undefined> {
  const { decodeJwt } = await import('jose/jwt/decode')
  try {
    return decodeJwt(token).exp
  } catch {
    return undefined
  }
}
