/**
 * Which failures are worth another attempt, and the one retry machinery both network calls use:
 * the SDK's StandardRetryStrategy (capped exponential backoff with full jitter and a retry quota),
 * with our classification in front of it and one log line per retry.
 */
import { StandardRetryStrategy } from '@smithy/core/retry'
import type {
  RetryErrorInfo,
  RetryErrorType,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken
} from '@smithy/types'
import { errorCode } from './error-code.js'

/** Errors that cannot succeed on retry, whatever their HTTP status. */
const PERMANENT_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ValidationError',
  'InvalidParameterValue',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'RegionDisabledException',
  'InvalidIdentityToken',
  'InvalidIdentityTokenException',
  'MissingAuthenticationToken',
  // network/bounded-http.ts: an answer over the size cap would only be sent again.
  'ResponseTooLarge'
])
/**
 * STS could not reach the identity provider (IDPCommunicationError), or could not fetch its signing
 * keys (InvalidIdentityToken "Couldn't retrieve verification key from your identity provider"):
 * transient, but worth retrying only with a fresh token (sources/token-supply.ts), never by the
 * SDK resending the same one.
 */
const IDP_CODES = new Set(['IDPCommunicationError', 'IDPCommunicationErrorException'])
const INVALID_TOKEN_CODES = new Set(['InvalidIdentityToken', 'InvalidIdentityTokenException'])
const VERIFICATION_KEY = /(couldn't|could not|cannot|unable to) retrieve (the )?verification key/i

export function needsFreshToken(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const shape = error as ErrorShape
  const name = errorCode(error) ?? shape.name ?? ''
  if (IDP_CODES.has(name)) return true
  return INVALID_TOKEN_CODES.has(name) && VERIFICATION_KEY.test(shape.message ?? '')
}

/** For the retry around a whole web identity attempt: only what a fresh token may fix. */
export function classifyForFreshToken(error: unknown): RetryErrorType {
  return needsFreshToken(error) ? 'TRANSIENT' : 'CLIENT_ERROR'
}
/** A DNS answer that may change on retry; ENOTFOUND (no such host) is a wrong endpoint. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN'
])

interface ErrorShape {
  name?: string
  code?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
  cause?: unknown
}

/** Codes the SDK retries as throttling when AWS sends them wrapped (@smithy/service-error-classification). */
const THROTTLING_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded'])
/** Server-side codes the SDK retries as transient, whatever the status. */
const SERVER_CODES = new Set(['ServiceUnavailable', 'InternalFailure', 'InternalError'])

/**
 * Our verdict on an error, or undefined to keep the SDK's. Codes decide first, including the code
 * of a bare <Error> the SDK reports as `Unknown` (see network/error-code.ts); an empty code falls back to
 * the HTTP status: 429 and 5xx are transient, other 4xx permanent. A 2xx whose body could not be
 * parsed is transient.
 */
export function classifyError(error: unknown): RetryErrorType | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const shape = error as ErrorShape
  const name = errorCode(error) ?? shape.name ?? ''
  const status = shape.$metadata?.httpStatusCode
  if (name === 'AbortError') return 'CLIENT_ERROR'
  // Retried one level up, each time with a fresh token (needsFreshToken).
  if (needsFreshToken(error)) return 'CLIENT_ERROR'
  if (PERMANENT_CODES.has(name)) return 'CLIENT_ERROR'
  if (THROTTLING_CODES.has(name)) return 'THROTTLING'
  if (SERVER_CODES.has(name)) return 'TRANSIENT'
  // fetch reports network failures as TypeError with the system error as its cause.
  const code = shape.code ?? (shape.cause as ErrorShape | undefined)?.code
  if (code === 'ENOTFOUND') return 'CLIENT_ERROR'
  if (code && TRANSIENT_NETWORK_CODES.has(code)) return 'TRANSIENT'
  if (name === 'TimeoutError' || name === 'RequestTimeout') return 'TRANSIENT'
  if (status !== undefined && status >= 200 && status < 300) return 'TRANSIENT'
  if (status === 429) return 'THROTTLING'
  if (status !== undefined && status >= 500) return 'TRANSIENT'
  if (status !== undefined && status >= 400) return 'CLIENT_ERROR'
  return undefined
}

/** A short cause for the retry log line: the error code and status, never the message body. */
export function describeCause(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown error'
  const shape = error as ErrorShape
  const status = shape.$metadata?.httpStatusCode
  const wire = errorCode(error)
  // A bare <Error>: the SDK's name is Unknown, the server's code is in the body.
  const name = shape.name === 'Unknown' && wire ? `${wire} (bare <Error>)` : (shape.name ?? 'Error')
  const code = shape.code && shape.code !== shape.name ? ` ${shape.code}` : ''
  return `${name}${code}${status ? ` (HTTP ${status})` : ''}`
}

export interface RetryLog {
  (line: string): void
}

/**
 * The SDK's standard strategy, told about our classification, logging each retry as
 * "<what> attempt N/M failed: <cause>; waited X ms before attempt N+1". Usable by the SDK client
 * (it is a RetryStrategyV2) and by our own fetch of the ID token through `attempt`.
 */
export class TransientOnlyRetry implements RetryStrategyV2 {
  private readonly inner: StandardRetryStrategy

  constructor(
    readonly maxAttempts: number,
    private readonly what: string,
    private readonly log: RetryLog,
    /** Which failures are retried; classifyError unless told otherwise. */
    private readonly classify: (error: unknown) => RetryErrorType | undefined = classifyError
  ) {
    this.inner = new StandardRetryStrategy({ maxAttempts })
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(scope)
  }

  /** Throws when no retry is due; otherwise waits the backoff (inside the SDK) and logs it. */
  async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const errorType = this.classify(info.error) ?? info.errorType
    const attempt = token.getRetryCount() + 1
    const next = await this.inner.refreshRetryTokenForRetry(token as StandardRetryToken, {
      ...info,
      errorType
    })
    const waited = (next as { $retryLog?: { acquisitionDelay?: number } }).$retryLog
      ?.acquisitionDelay
    this.log(
      `${this.what} attempt ${attempt}/${this.maxAttempts} failed: ${describeCause(info.error)}; waited ${waited ?? 0} ms before attempt ${attempt + 1}`
    )
    return next
  }

  recordSuccess(token: RetryToken): void {
    this.inner.recordSuccess(token as StandardRetryToken)
  }

  /** Runs `call` until it succeeds or the strategy refuses another attempt; rethrows the last error. */
  async attempt<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let token = await this.acquireInitialRetryToken('')
    for (;;) {
      try {
        const result = await call()
        this.recordSuccess(token)
        return result
      } catch (error) {
        if (signal?.aborted) throw error
        try {
          token = await this.refreshRetryTokenForRetry(token, {
            error: error as RetryErrorInfo['error'],
            errorType: this.classify(error) ?? 'CLIENT_ERROR'
          })
        } catch {
          throw error
        }
      }
    }
  }
}
