/**
 * Where the SDK will send STS calls, worked out before the SDK is loaded so that the connection
 * can be opened early (preconnect.ts). Only a guess: a wrong one costs nothing but the early
 * connection, which then goes unused. It follows the STS endpoint rules of @aws-sdk/client-sts
 * (its endpoint/bdd.js results: regional `sts.`, `sts-fips.`, the dual-stack suffix, aws-us-gov's
 * FIPS hosts, `aws-global`) and the partition table of @aws-sdk/core (util-endpoints
 * partitions.js); __tests__/unit/endpoint-resolution.test.ts compares it with what the SDK itself
 * resolves for every region the SDK knows, with and without FIPS and dual-stack.
 */
import { partitionOfRegion } from './rules/region.js'

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
 * booleanSelector: exactly "true" or "false", anything else is an error). Undefined when the SDK
 * would fail or could find the setting elsewhere (AWS_ENDPOINT_URL*, which the SDK also honours).
 */
export function endpointFlags(env: NodeJS.ProcessEnv): EndpointFlags | undefined {
  const flag = (name: string): boolean | undefined | 'invalid' => {
    const value = env[name]
    if (value === undefined) return false
    return value === 'true' ? true : value === 'false' ? false : 'invalid'
  }
  const useFips = flag('AWS_USE_FIPS_ENDPOINT')
  const useDualStack = flag('AWS_USE_DUALSTACK_ENDPOINT')
  if (useFips === 'invalid' || useDualStack === 'invalid') return undefined
  if (Object.keys(env).some(name => name.startsWith('AWS_ENDPOINT_URL'))) return undefined
  return { useFips: useFips === true, useDualStack: useDualStack === true }
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
