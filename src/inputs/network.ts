/** Where and how the run talks to AWS: region, STS endpoint, proxy, attempts and the step's deadline. */
import { InputError } from '../rules/input-error.js'
import {
  SettingError,
  parseProxyUrl,
  parseStsEndpoint,
  type EndpointOrigin
} from '../rules/endpoint.js'
import { hasControlCharacter } from '../rules/input-error.js'
import { parseRegion } from '../rules/region.js'
import { parseWholeNumber } from '../rules/whole-number.js'
import type { Settings } from '../settings.js'
import { optional, type InputReader } from '../runner/input-reader.js'

/**
 * The STS endpoint from sts-endpoint, else from the variables the SDK would read
 * (@smithy/core/endpoints getEndpointUrlConfig: AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL,
 * unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true"). The shared config profile's endpoint is
 * read later, from the files (network/endpoint-resolution.ts); the SDK itself reads none of them
 * (network/sts.ts), so the endpoint chosen here is the one every call goes to.
 */
export function readStsEndpoint(
  input: InputReader,
  env: NodeJS.ProcessEnv
): { url: string; origin: EndpointOrigin } | undefined {
  const given = input.get('sts-endpoint')
  if (given) return { url: parseStsEndpoint('sts-endpoint', given), origin: 'sts-endpoint' }
  if (ignoresConfiguredEndpoints(env)) return undefined
  for (const origin of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'] as const) {
    const value = env[origin]
    if (value) return { url: parseStsEndpoint(origin, value), origin }
  }
  return undefined
}

/** AWS_IGNORE_CONFIGURED_ENDPOINT_URLS as the SDK reads it (booleanSelector: "true"/"false" only). */
export function ignoresConfiguredEndpoints(env: NodeJS.ProcessEnv): boolean {
  const value = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
  if (value === undefined) return false
  if (value !== 'true' && value !== 'false') {
    throw new SettingError(
      'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
      'must be true or false, as the AWS SDKs read it.'
    )
  }
  return value === 'true'
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

/** The variables a proxy is read from when http-proxy is empty, in order (HTTPS_PROXY first, as configure-aws-credentials). */
export const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const

/**
 * http-proxy, else the first of PROXY_VARIABLES; no-proxy, else NO_PROXY or no_proxy. One proxy
 * for every call, checked by the same rule wherever it came from.
 */
export function readProxy(input: InputReader, env: NodeJS.ProcessEnv): Settings['proxy'] {
  const given = optional(input.get('http-proxy'), value => parseProxyUrl('http-proxy', value))
  const variable = PROXY_VARIABLES.find(name => env[name])
  const fromEnv = given === undefined && variable ? env[variable] : undefined
  const url = given ?? (variable && fromEnv ? parseProxyUrl(variable, fromEnv) : undefined)
  const noProxyInput = input.get('no-proxy')
  const noProxyVariable = noProxyInput
    ? undefined
    : (['NO_PROXY', 'no_proxy'] as const).find(n => env[n])
  const noProxy = noProxyInput || (noProxyVariable ? env[noProxyVariable] : undefined) || undefined
  if (noProxy && hasControlCharacter(noProxy)) {
    throw new SettingError(
      noProxyVariable ?? 'no-proxy',
      'must be a comma-separated list of host names without control characters.',
      'no-proxy'
    )
  }
  return { url, noProxy, fromInput: given !== undefined }
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
