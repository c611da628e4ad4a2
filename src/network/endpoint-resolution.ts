/**
 * Where the SDK will send STS calls, worked out before the SDK is loaded so that the connection
 * can be opened early (network/preconnect.ts). Only a guess: a wrong one costs nothing but the early
 * connection, which then goes unused. It follows the STS endpoint rules of @aws-sdk/client-sts
 * (its endpoint/bdd.js results: regional `sts.`, `sts-fips.`, the dual-stack suffix, aws-us-gov's
 * FIPS hosts, `aws-global`) and the partition table of @aws-sdk/core (util-endpoints
 * partitions.js); __tests__/unit/network/endpoint-resolution.test.ts compares it with what the SDK itself
 * resolves for every region the SDK knows, with and without FIPS and dual-stack.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import {
  SettingError,
  checkCleartext,
  parseStsEndpoint,
  type EndpointOrigin
} from '../rules/endpoint.js'
import { partitionOfRegion } from '../rules/region.js'
import type { Settings } from '../settings.js'

/** DNS suffixes of each partition, from @aws-sdk/core's partitions.js (`outputs`). */
const SUFFIXES: Record<string, { dnsSuffix: string; dualStackDnsSuffix: string }> = {
  aws: { dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
  'aws-cn': { dnsSuffix: 'amazonaws.com.cn', dualStackDnsSuffix: 'api.amazonwebservices.com.cn' },
  'aws-eusc': { dnsSuffix: 'amazonaws.eu', dualStackDnsSuffix: 'api.amazonwebservices.eu' },
  'aws-iso': { dnsSuffix: 'c2s.ic.gov', dualStackDnsSuffix: 'api.aws.ic.gov' },
  'aws-iso-b': { dnsSuffix: 'sc2s.sgov.gov', dualStackDnsSuffix: 'api.aws.scloud' },
  'aws-iso-e': { dnsSuffix: 'cloud.adc-e.uk', dualStackDnsSuffix: 'api.cloud-aws.adc-e.uk' },
  'aws-iso-f': { dnsSuffix: 'csp.hci.ic.gov', dualStackDnsSuffix: 'api.aws.hci.ic.gov' },
  'aws-us-gov': { dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' }
}

/** The SDK's region shape per partition (regionRegex); other names get no guess. */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/

export interface EndpointFlags {
  useFips: boolean
  useDualStack: boolean
}

/**
 * The SDK's own reading of AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT (@smithy/core/config
 * booleanSelector: exactly "true" or "false", anything else is an error); undefined where the SDK
 * would fail.
 */
function environmentFlags(env: NodeJS.ProcessEnv): EndpointFlags | undefined {
  const flag = (name: string): boolean | 'invalid' => {
    const value = env[name]
    if (value === undefined) return false
    return value === 'true' ? true : value === 'false' ? false : 'invalid'
  }
  const useFips = flag('AWS_USE_FIPS_ENDPOINT')
  const useDualStack = flag('AWS_USE_DUALSTACK_ENDPOINT')
  if (useFips === 'invalid' || useDualStack === 'invalid') return undefined
  return { useFips, useDualStack }
}

/**
 * The flags for the early guess of the endpoint: the environment's, undefined when the SDK would
 * fail or could find the endpoint elsewhere (AWS_ENDPOINT_URL*, which the SDK also honours).
 */
export function endpointFlags(env: NodeJS.ProcessEnv): EndpointFlags | undefined {
  if (Object.keys(env).some(name => name.startsWith('AWS_ENDPOINT_URL'))) return undefined
  return environmentFlags(env)
}

/**
 * The URL the SDK resolves for STS in `region` (no custom endpoint), or undefined where the SDK
 * would fail or where this module is not sure.
 */
export function stsEndpointFor(region: string, flags: EndpointFlags): string | undefined {
  if (region === 'aws-global') {
    return flags.useFips || flags.useDualStack ? undefined : 'https://sts.amazonaws.com'
  }
  if (!REGION.test(region)) return undefined
  const partition = partitionOfRegion(region)
  const suffixes = SUFFIXES[partition]
  if (!suffixes) return undefined
  if (flags.useFips && flags.useDualStack) {
    return `https://sts-fips.${region}.${suffixes.dualStackDnsSuffix}`
  }
  if (flags.useFips) {
    // aws-us-gov's STS is FIPS on its regular regional host.
    return partition === 'aws-us-gov'
      ? `https://sts.${region}.amazonaws.com`
      : `https://sts-fips.${region}.${suffixes.dnsSuffix}`
  }
  if (flags.useDualStack) return `https://sts.${region}.${suffixes.dualStackDnsSuffix}`
  return `https://sts.${region}.${suffixes.dnsSuffix}`
}

/**
 * The STS endpoint the shared config files choose for the profile (`endpoint_url`, or `sts =`
 * under the profile's `services` section), read by the SDK's own code (@smithy/core/endpoints
 * resolveEndpointConfig → serviceConfiguredEndpoint, which also honours
 * `ignore_configured_endpoint_urls`). Called once, before any call, so that one endpoint decides
 * for the whole run and the STS client is told to read nothing itself (network/sts.ts). `fromEnv` is what
 * the environment chose (inputs/network.ts readStsEndpoint), returned unless the files say
 * otherwise. The SDK's config reader loads only when a file could say anything about endpoints.
 */
export async function configuredStsEndpoint(
  env: NodeJS.ProcessEnv,
  fromEnv: { url: string; origin: EndpointOrigin } | undefined
): Promise<{ url: string; origin: EndpointOrigin } | undefined> {
  if (!filesMayChooseEndpoint(env)) return fromEnv
  const { resolveEndpointConfig } = await import('@smithy/core/endpoints')
  const profile = env.AWS_PROFILE || 'default'
  const origin: EndpointOrigin = `the shared config profile ${JSON.stringify(profile)}`
  let url: string | undefined
  try {
    // Only serviceId is read on this path (the rest of a client's config is not), and the
    // declarations do not name serviceConfiguredEndpoint: hence the narrow local type.
    const resolve = resolveEndpointConfig as unknown as (input: { serviceId: string }) => {
      serviceConfiguredEndpoint?: () => Promise<unknown>
    }
    const found = await resolve({ serviceId: 'STS' }).serviceConfiguredEndpoint?.()
    url = typeof found === 'string' && found !== '' ? found : undefined
  } catch (error) {
    throw new SettingError(
      `The shared config profile ${JSON.stringify(profile)}`,
      `cannot be read for its endpoint: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  if (!url) return undefined
  if (fromEnv && url === fromEnv.url) return fromEnv
  return { url: parseStsEndpoint(origin, url), origin }
}

/**
 * Whether the shared config or credentials file (where the SDK looks: AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws) may hold an endpoint setting: any file that exists
 * and mentions one, or cannot be read here (the SDK decides then).
 */
function filesMayChooseEndpoint(env: NodeJS.ProcessEnv): boolean {
  return sharedFilesMention(env, /endpoint_url|services|ignore_configured_endpoint_urls/)
}

/**
 * FIPS and dual-stack for the STS client, decided here so that the SDK does not parse the shared
 * config for them (about 2.5 s for each setting on a 50 MB SSO config): the environment's flags,
 * read as the SDK reads them, unless they are invalid (the SDK's error then) or a shared file
 * mentions `use_fips_endpoint` or `use_dualstack_endpoint` (the SDK reads the profile then).
 */
export function clientEndpointFlags(env: NodeJS.ProcessEnv): EndpointFlags | undefined {
  const flags = environmentFlags(env)
  if (!flags || sharedFilesMention(env, /use_fips_endpoint|use_dualstack_endpoint/))
    return undefined
  return flags
}

/** The shared files' bytes as Latin-1 (every setting name is ASCII), read once per path. */
const sharedFileText = new Map<string, { text: string } | 'unreadable' | 'absent'>()

/** Whether the shared config or credentials file mentions `pattern`, or cannot be read here. */
function sharedFilesMention(env: NodeJS.ProcessEnv, pattern: RegExp): boolean {
  const home = env.HOME || env.USERPROFILE || homedir()
  // The SDK expands a leading ~/ (@smithy/core/config getConfigFilepath, resolveProfileFilePath).
  const expand = (path: string): string =>
    path.startsWith('~/') ? join(home, path.slice(2)) : path
  const files = [
    expand(env.AWS_CONFIG_FILE || join(home, '.aws', 'config')),
    expand(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'))
  ]
  return files.some(file => {
    let text = sharedFileText.get(file)
    if (text === undefined) {
      try {
        text = { text: readFileSync(file).toString('latin1') }
      } catch (error) {
        text = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable'
      }
      sharedFileText.set(file, text)
    }
    if (text === 'absent') return false
    return text === 'unreadable' || pattern.test(text.text)
  })
}

/**
 * The plan with the endpoint every STS call goes to, from wherever it came (sts-endpoint wins, as
 * a client's own endpoint wins in the SDK; then the environment, then the shared config profile),
 * checked by the one cleartext rule before any call. Returns the warning for cleartext to
 * another machine with signed requests; throws when an ID token would go that way.
 */
export async function withStsEndpoint(
  settings: Settings,
  env: NodeJS.ProcessEnv
): Promise<{ settings: Settings; warning?: string }> {
  const current =
    settings.stsEndpoint && settings.stsEndpointOrigin
      ? { url: settings.stsEndpoint, origin: settings.stsEndpointOrigin }
      : undefined
  const endpoint =
    current?.origin === 'sts-endpoint' ? current : await configuredStsEndpoint(env, current)
  const resolved = { ...settings, stsEndpoint: endpoint?.url, stsEndpointOrigin: endpoint?.origin }
  if (!endpoint) return { settings: resolved }
  return {
    settings: resolved,
    warning: checkCleartext(endpoint.url, endpoint.origin, carries(settings, env))
  }
}

/**
 * What STS calls carry: a web identity token with GitHub OIDC, a token file, or the default
 * chain's AWS_WEB_IDENTITY_TOKEN_FILE; signed requests otherwise.
 */
function carries(settings: Settings, env: NodeJS.ProcessEnv): 'id-token' | 'signed-request' {
  const { kind } = settings.source
  if (kind === 'github-oidc' || kind === 'token-file') return 'id-token'
  return kind === 'environment' && env.AWS_WEB_IDENTITY_TOKEN_FILE ? 'id-token' : 'signed-request'
}
