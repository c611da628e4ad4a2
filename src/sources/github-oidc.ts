import { HttpRequest } from '@smithy/core/protocols'
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler'
import type { Agents } from '../http-agents.js'
import type { TransientOnlyRetry } from '../retry.js'
import { IdTokenRequestError } from './id-token-error.js'
import { maskSecret } from '../secrets.js'

export { IdTokenRequestError }

export interface IdTokenRequest {
  requestUrl: string
  requestToken: string
  audience: string
}

const CONNECT_TIMEOUT_MS = 5_000

/**
 * GitHub's ID token for `audience` (the runner gives the URL and a bearer token when the job has
 * `permissions: id-token: write`). It goes through the SDK's own HTTP handler, which the STS call
 * loads anyway, with the same agents (proxy) and per-attempt timeout; the platform's fetch would
 * load undici on top (~30 ms and ~5 MiB on Node 24, ~100 ms and ~35 MiB on Node 20, measured).
 * 429, 5xx and network failures are retried by the shared strategy, other 4xx are not.
 */
export async function fetchIdToken(
  request: IdTokenRequest,
  retry: TransientOnlyRetry,
  attemptTimeoutMs: number,
  signal: AbortSignal,
  agents: Agents = {}
): Promise<string> {
  maskSecret(request.requestToken)
  const url = new URL(request.requestUrl)
  url.searchParams.set('audience', request.audience)
  const handler = new NodeHttpHandler({
    connectionTimeout: Math.min(CONNECT_TIMEOUT_MS, attemptTimeoutMs),
    requestTimeout: attemptTimeoutMs,
    throwOnRequestTimeout: true,
    ...agents
  })
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
      const value = parseTokenBody(body)
      // A 2xx without a token is the endpoint misbehaving, worth another attempt.
      if (!value) throw new IdTokenRequestError(502)
      return value
    }, signal)
    maskSecret(token)
    return token
  } finally {
    handler.destroy()
  }
}

function parseTokenBody(body: string): string | undefined {
  try {
    const { value } = JSON.parse(body) as { value?: unknown }
    return typeof value === 'string' && value.split('.').length === 3 ? value : undefined
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
