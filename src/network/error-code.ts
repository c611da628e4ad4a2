/**
 * The error code an STS-compatible server named, even when the SDK could not read it. AWS wraps
 * Query-protocol errors as <ErrorResponse><Error><Code>; some servers (Ceph RGW) send a bare
 * <Error><Code>, which the SDK's AwsQueryProtocol.loadQueryErrorCode does not look into, so it
 * raises `Unknown` and keeps only the message. The SDK does attach the raw HTTP response to every
 * error it raises (`$response`, set by @smithy/middleware-serde's deserializerMiddleware), but by
 * then the body stream has been read. keepErrorBodies() makes the SDK read it from a buffer
 * instead, so `$response.body` still holds the bytes, and errorCode() reads the code from them
 * with the SDK's own XML parser (@aws-sdk/xml-builder).
 */
import type { STSClient } from '@aws-sdk/client-sts'
import { parseXML } from '@aws-sdk/xml-builder'
import { streamCollector } from '@smithy/node-http-handler'

/** Error bodies larger than this are not read for a code (STS's are a few hundred bytes). */
const MAX_ERROR_BODY = 64 * 1024

interface RawResponse {
  statusCode?: number
  body?: unknown
}

/**
 * Buffers the body of every error response before the SDK deserializes it. Added to the
 * deserialize step at low priority, so it runs inside the SDK's deserializer: it sees the
 * response first, and the SDK then reads the same bytes from the buffer.
 */
export function keepErrorBodies(client: STSClient): void {
  client.middlewareStack.add(
    next => async args => {
      const out = await next(args)
      const response = out.response as RawResponse
      const body = response.body
      if (
        (response.statusCode ?? 0) >= 300 &&
        body !== undefined &&
        body !== null &&
        !(body instanceof Uint8Array)
      ) {
        // Readable from the node handler; streamCollector is the SDK's own reader for it.
        response.body = await streamCollector(body as Parameters<typeof streamCollector>[0])
      }
      return out
    },
    { step: 'deserialize', priority: 'low', name: 'keepErrorBodies' }
  )
}

/**
 * The error's code: the SDK's name for it, or, when the SDK says `Unknown`, the <Code> of a bare
 * or wrapped <Error> in the raw body. Undefined when neither names one.
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { name, $response } = error as { name?: unknown; $response?: RawResponse }
  if (typeof name === 'string' && name !== '' && name !== 'Unknown') return name
  const body = $response?.body
  if (!(body instanceof Uint8Array) || body.byteLength === 0 || body.byteLength > MAX_ERROR_BODY)
    return undefined
  try {
    const parsed = parseXML(Buffer.from(body).toString('utf8')) as {
      Error?: { Code?: unknown }
      ErrorResponse?: { Error?: { Code?: unknown } }
    }
    const code = parsed.Error?.Code ?? parsed.ErrorResponse?.Error?.Code
    return typeof code === 'string' && /^[A-Za-z][\w.]{0,99}$/.test(code) ? code : undefined
  } catch {
    return undefined
  }
}
