/** Where and how the run talks to AWS: region, STS endpoint, proxy, attempts and the step's deadline. */
import { InputError } from '../rules/input-error.js'
import { parseProxyUrl, parseStsEndpoint } from '../rules/endpoint.js'
import { parseRegion } from '../rules/region.js'
import { parseWholeNumber } from '../rules/whole-number.js'
import type { Settings } from '../settings.js'
import { optional, type InputReader } from './reader.js'

export function readStsEndpoint(input: InputReader): string | undefined {
  return optional(input.get('sts-endpoint'), value => parseStsEndpoint('sts-endpoint', value))
}

/** aws-region, else AWS_REGION or AWS_DEFAULT_REGION; any name goes with a custom endpoint. */
export function readRegion(
  input: InputReader,
  env: NodeJS.ProcessEnv,
  customEndpoint: boolean
): string {
  const given = input.get('aws-region')
  if (given) return parseRegion('aws-region', given, customEndpoint)
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION
  if (!fromEnv) {
    throw new InputError(
      'aws-region',
      'is required (or set AWS_REGION or AWS_DEFAULT_REGION), e.g. us-east-1.'
    )
  }
  return parseRegion('aws-region', fromEnv, customEndpoint)
}

/** http-proxy, else the environment's HTTPS_PROXY/HTTP_PROXY; no-proxy likewise. */
export function readProxy(input: InputReader, env: NodeJS.ProcessEnv): Settings['proxy'] {
  const given = optional(input.get('http-proxy'), value => parseProxyUrl('http-proxy', value))
  const fromEnv =
    env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || undefined
  return {
    url: given ?? fromEnv,
    noProxy: input.get('no-proxy') || env.NO_PROXY || env.no_proxy || undefined,
    fromInput: given !== undefined
  }
}

/** Attempts per call (1 with disable-retry) and the bound on the whole step (action-timeout-s). */
export function readAttempts(
  input: InputReader,
  retryDisabled: boolean
): { maxAttempts: number; actionTimeoutMs: number | undefined } {
  const maxAttempts = retryDisabled
    ? 1
    : parseWholeNumber('retry-max-attempts', input.raw('retry-max-attempts') || '12', {
        min: 1,
        max: 100
      })
  const timeoutSeconds = input.raw('action-timeout-s')
    ? parseWholeNumber(
        'action-timeout-s',
        input.raw('action-timeout-s'),
        { min: 0, max: 21600 },
        'seconds'
      )
    : 0
  return { maxAttempts, actionTimeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : undefined }
}
