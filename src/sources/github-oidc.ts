/** GitHub OIDC as the source: the ID token from the runner's token endpoint, checked and masked. */
import { HttpRequest } from '@smithy/core/protocols'
import { streamCollector } from '@smithy/node-http-handler'
import { checkIdToken } from '../network/answers.js'
import { callHandler, type CallOptions } from '../network/call-options.js'
import { IdTokenRequestError } from './id-token-error.js'
import { maskSecret } from '../runner/secrets.js'

export { IdTokenRequestError }

export interface IdTokenRequest {
  requestUrl: string
  requestToken: string
  audience: string
}

const ID_TOKEN_ENDPOINT = "GitHub's ID-token endpoint"

/**
 * GitHub's ID token for `audience` (the runner gives the URL and a bearer token when the job has
 * `permissions: id-token: write`). It goes through the SDK's own HTTP handler, which the STS call
 * loads anyway, with the same agents (proxy) and per-attempt timeout; the platform's fetch would
 * load undici on top (~30 ms and ~5 MiB on Node 24, ~100 ms and ~35 MiB on Node 20, measured).
 * 429, 5xx and network failures are retried by the shared strategy, other 4xx are not.
 */
export async function fetchIdToken(
  request: IdTokenRequest,
  options: CallOptions & { signal: AbortSignal }
): Promise<string> {
  const { retry, signal } = options
  maskSecret(request.requestToken)
  const url = new URL(request.requestUrl)
  url.searchParams.set('audience', request.audience)
  const handler = callHandler(ID_TOKEN_ENDPOINT, options)
  const httpRequest = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: {
      host: url.host,
      authorization: `Bearer ${request.requestToken}`,
      accept: 'application/json'
    }
  })
  try {
    const token = await retry.attempt(async () => {
      const { response } = await handler.handle(httpRequest, { abortSignal: signal })
      const body = Buffer.from(await streamCollector(response.body)).toString('utf8')
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new IdTokenRequestError(response.statusCode)
      }
      // A 2xx that is not JSON is the endpoint misbehaving, worth another attempt; a token that
      // is not a JWT is a bad answer (network/answers.ts), not retried.
      const value = parseTokenBody(body)
      if (value === undefined) throw new IdTokenRequestError(502)
      return checkIdToken(value)
    }, signal)
    maskSecret(token)
    return token
  } finally {
    handler.destroy?.()
  }
}

/** The `value` of the JSON answer (anything, checked by the caller), or undefined if not JSON. */
function parseTokenBody(body: string): unknown {
  try {
    const parsed = JSON.parse(body) as unknown
    return typeof parsed === 'object' && parsed !== null
      ? ((parsed as { value?: unknown }).value ?? null)
      : null
  } catch {
    return undefined
  }
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
