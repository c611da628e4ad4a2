/**
 * Typed guards for what STS and the SDK's HTTP stack raise. STS's common errors (AccessDenied,
 * ValidationError, InvalidClientTokenId, …) have no class in @aws-sdk/client-sts: the SDK raises
 * an STSServiceException named by the code, so the guard is `instanceof` plus the code.
 */
import { STSServiceException } from '@aws-sdk/client-sts'
import { errorCode } from '../network/error-code.js'

/**
 * The code of an error STS answered with. `instanceof STSServiceException` is duck-typed by the
 * SDK ($fault and $metadata), so errors of the SDK's nested STS clients count too. errorCode reads
 * a bare <Error>'s code when the SDK says `Unknown`.
 */
export function stsCodeOf(error: unknown): string | undefined {
  return error instanceof STSServiceException ? errorCode(error) : undefined
}

/**
 * The HTTP status of the answer an error came from. The SDK's deserializer attaches `$metadata` to
 * every error it raises for an answer, its own classes and a parser's plain Error alike, so this
 * reads the shape rather than a class.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

/**
 * Node's system error code (ENOTFOUND, ECONNREFUSED), on the error or, as fetch reports it, on its
 * cause. Node has no class for system errors: they are Errors with a `code`.
 */
export function systemCodeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const own = (error as NodeJS.ErrnoException).code
  const cause = error.cause as { code?: unknown } | undefined
  const code = own ?? cause?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * A timeout of the SDK's HTTP handler (@smithy/node-http-handler): it exports no class and raises
 * an Error named TimeoutError, so the name is all there is to match.
 */
export function isHandlerTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError'
}
