/**
 * A bound on every HTTP attempt, as a wrapper around any SDK request handler: one deadline for the
 * whole exchange (connect, headers and the last byte of the body), and a cap on the body's size.
 * The SDK's own timeouts cannot do this: `requestTimeout` is a socket idle timeout, so a server
 * that sends a byte a second never trips it, and nothing limits how much it sends (a 256 MiB answer
 * took 1.09 GB of memory). STS and the ID-token endpoint both go through it.
 */
import { Transform, pipeline, type TransformCallback } from 'node:stream'
import type { HttpHandler, HttpRequest, HttpResponse } from '@smithy/core/protocols'
import type { HttpHandlerOptions } from '@smithy/types'

/** Real answers are a few kB (STS) or about 1 kB (the ID token). */
export const MAX_RESPONSE_BYTES = 1024 * 1024

export interface AttemptBounds {
  /** Whom the errors name: "STS", "GitHub's ID-token endpoint". */
  endpoint: string
  /** The whole attempt, including the body. */
  deadlineMs: number
  maxBytes?: number
}

/** The attempt ran past its deadline. Named TimeoutError: network/retry.ts counts it as transient. */
export class AttemptTimeoutError extends Error {
  constructor(
    readonly endpoint: string,
    readonly deadlineMs: number
  ) {
    super(`${endpoint} did not finish answering within ${deadlineMs} ms.`)
    this.name = 'TimeoutError'
  }
}

/** The answer was larger than any real one; not retried (network/retry.ts). */
export class ResponseTooLargeError extends Error {
  constructor(
    readonly endpoint: string,
    readonly maxBytes: number
  ) {
    super(`${endpoint} sent an answer larger than ${maxBytes} bytes; no real answer is that large.`)
    this.name = 'ResponseTooLarge'
  }
}

type Handled = { response: HttpResponse }

/** `inner` with every attempt bounded; everything else (config, destroy) is passed through. */
export function boundedHandler<Config extends object>(
  inner: HttpHandler<Config>,
  bounds: AttemptBounds
): HttpHandler<Config> {
  return {
    metadata: inner.metadata,
    destroy: () => inner.destroy?.(),
    updateHttpClientConfig: (key, value) => inner.updateHttpClientConfig(key, value),
    httpHandlerConfigs: () => inner.httpHandlerConfigs(),
    handle: (request, options) => boundedAttempt(inner, request, options, bounds)
  }
}

function boundedAttempt(
  inner: HttpHandler<object>,
  request: HttpRequest,
  options: HttpHandlerOptions = {},
  bounds: AttemptBounds
): Promise<Handled> {
  const maxBytes = bounds.maxBytes ?? MAX_RESPONSE_BYTES
  // Our own signal, so the deadline can abort the inner request without looking like the
  // caller's abort (which is permanent); the caller's abort still passes through.
  const controller = new AbortController()
  const outer = options.abortSignal as AbortSignal | undefined
  let body: Transform | undefined
  const forward = (): void => {
    controller.abort(outer?.reason)
    // A body being read ends with the caller's abort too, not with whatever the socket reports.
    body?.destroy(Object.assign(new Error('The request was aborted.'), { name: 'AbortError' }))
  }
  if (outer?.aborted) forward()
  else outer?.addEventListener?.('abort', forward, { once: true })

  return new Promise<Handled>((resolve, reject) => {
    let settled = false
    const finish = (): void => {
      clearTimeout(timer)
      outer?.removeEventListener?.('abort', forward)
    }
    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError(bounds.endpoint, bounds.deadlineMs)
      if (body) body.destroy(error)
      else {
        settled = true
        reject(error)
      }
      controller.abort(error)
    }, bounds.deadlineMs)
    timer.unref()

    inner.handle(request, { ...options, abortSignal: controller.signal }).then(
      ({ response }) => {
        if (settled) return
        settled = true
        const source = response.body as NodeJS.ReadableStream | undefined
        const declared = Number(response.headers['content-length'] ?? 0)
        if (declared > maxBytes) {
          finish()
          controller.abort()
          // Not read at all: the socket goes, so no byte of it is buffered.
          ;(source as { destroy?: () => void } | undefined)?.destroy?.()
          reject(new ResponseTooLargeError(bounds.endpoint, maxBytes))
          return
        }
        if (!source || typeof source.pipe !== 'function') {
          finish()
          resolve({ response })
          return
        }
        body = new ByteLimit(maxBytes, () => new ResponseTooLargeError(bounds.endpoint, maxBytes))
        // pipeline destroys the socket's stream when the limit or the deadline ends the body.
        pipeline(source, body, () => finish())
        response.body = body
        resolve({ response })
      },
      (error: unknown) => {
        finish()
        if (settled) return
        settled = true
        reject(error)
      }
    )
  })
}

/** Passes bytes through until more than `maxBytes` have come, then fails the stream. */
class ByteLimit extends Transform {
  private seen = 0

  constructor(
    private readonly maxBytes: number,
    private readonly tooLarge: () => Error
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length
    if (this.seen > this.maxBytes) done(this.tooLarge())
    else done(null, chunk)
  }
}
