/**
 * The early guess of the STS endpoint (src/network/endpoint-resolution.ts) against the host the SDK itself
 * sends to, for every region of every partition the SDK knows, with FIPS and dual-stack on and off.
 */
import { describe, expect, test } from '@jest/globals'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import {
  clientEndpointFlags,
  endpointFlags,
  stsEndpointFor
} from '../../../src/network/endpoint-resolution.js'

/** @aws-sdk/core's partition table, read from the package (it is not exported). */
interface PartitionsInfo {
  partitions: { id: string; regions: Record<string, unknown> }[]
}
function sdkPartitions(): PartitionsInfo {
  const require = createRequire(import.meta.url)
  const core = require.resolve('@aws-sdk/core/package.json').replace(/package\.json$/, '')
  const text = readFileSync(
    `${core}dist-es/submodules/client/util-endpoints/lib/aws/partitions.js`,
    'utf8'
  )
  return JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as PartitionsInfo
}

class Captured extends Error {
  constructor(readonly url: string) {
    super('captured')
  }
}

/** The URL of the request the SDK builds, captured before anything is sent. */
async function sdkEndpoint(
  region: string,
  useFips: boolean,
  useDualStack: boolean
): Promise<string | undefined> {
  const client = new STSClient({
    region,
    useFipsEndpoint: useFips,
    useDualstackEndpoint: useDualStack,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
  })
  client.middlewareStack.add(
    () => args => {
      const request = args.request as { protocol: string; hostname: string; port?: number }
      const port = request.port ? `:${request.port}` : ''
      throw new Captured(`${request.protocol}//${request.hostname}${port}`)
    },
    { step: 'build' }
  )
  try {
    await client.send(new GetCallerIdentityCommand({}))
    throw new Error('the request was not captured')
  } catch (error) {
    if (error instanceof Captured) return error.url
    return undefined
  } finally {
    client.destroy()
  }
}

const partitions = sdkPartitions().partitions
const regions = partitions.flatMap(p => Object.keys(p.regions).map(region => [p.id, region]))
// Regions the SDK does not list yet, resolved through each partition's regionRegex.
const unlisted = [
  'us-west-9',
  'ap-southwest-9',
  'cn-south-9',
  'us-gov-central-9',
  'us-iso-north-9',
  'us-isob-north-9',
  'eu-isoe-north-9',
  'us-isof-north-9',
  'eusc-de-west-9',
  'xx-unknown-1'
]
const flagSets = [
  { useFips: false, useDualStack: false },
  { useFips: true, useDualStack: false },
  { useFips: false, useDualStack: true },
  { useFips: true, useDualStack: true }
]

describe('stsEndpointFor agrees with the SDK', () => {
  test('the SDK knows every partition we do, and we know every partition it does', () => {
    expect(partitions.map(p => p.id).sort()).toEqual([
      'aws',
      'aws-cn',
      'aws-eusc',
      'aws-iso',
      'aws-iso-b',
      'aws-iso-e',
      'aws-iso-f',
      'aws-us-gov'
    ])
    expect(regions.length).toBeGreaterThan(40)
  })

  test.each(regions)('%s %s, FIPS and dual-stack on and off', async (_partition, region) => {
    for (const flags of flagSets) {
      const ours = stsEndpointFor(region, flags)
      const sdk = await sdkEndpoint(region, flags.useFips, flags.useDualStack)
      // Ours may decline to guess (the "-global" pseudo-regions), never guess differently.
      if (ours !== undefined || !region.endsWith('-global')) {
        expect({ region, ...flags, url: ours }).toEqual({ region, ...flags, url: sdk })
      }
    }
  })

  test.each(unlisted)('unlisted region %s', async region => {
    for (const flags of flagSets) {
      expect(stsEndpointFor(region, flags)).toBe(
        await sdkEndpoint(region, flags.useFips, flags.useDualStack)
      )
    }
  })
})

describe('endpointFlags reads the environment as the SDK does', () => {
  test.each([
    [{}, { useFips: false, useDualStack: false }],
    [{ AWS_USE_FIPS_ENDPOINT: 'true' }, { useFips: true, useDualStack: false }],
    [{ AWS_USE_DUALSTACK_ENDPOINT: 'true' }, { useFips: false, useDualStack: true }],
    [
      { AWS_USE_FIPS_ENDPOINT: 'false', AWS_USE_DUALSTACK_ENDPOINT: 'false' },
      { useFips: false, useDualStack: false }
    ],
    // The SDK refuses anything but "true" and "false": no guess, the SDK reports it.
    [{ AWS_USE_FIPS_ENDPOINT: 'TRUE' }, undefined],
    [{ AWS_USE_DUALSTACK_ENDPOINT: '' }, undefined],
    // The SDK takes its endpoint from these: no guess.
    [{ AWS_ENDPOINT_URL_STS: 'https://sts.example.test' }, undefined],
    [{ AWS_ENDPOINT_URL: 'https://aws.example.test' }, undefined]
  ])('%o', (env, flags) => {
    expect(endpointFlags(env)).toEqual(flags)
  })
})

describe('clientEndpointFlags: the STS client is told FIPS and dual-stack unless a shared file sets them', () => {
  /** A fresh home (the files are read once per path) whose config holds `config`. */
  const home = (config?: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'flags-'))
    if (config !== undefined) {
      mkdirSync(join(dir, '.aws'))
      writeFileSync(join(dir, '.aws', 'config'), config)
    }
    return dir
  }
  test('no shared files: the environment decides, endpoint variables or not', () => {
    expect(clientEndpointFlags({ HOME: home() })).toEqual({ useFips: false, useDualStack: false })
    expect(
      clientEndpointFlags({
        HOME: home(),
        AWS_USE_FIPS_ENDPOINT: 'true',
        AWS_ENDPOINT_URL_STS: 'https://sts.example.test'
      })
    ).toEqual({ useFips: true, useDualStack: false })
  })
  test('a big SSO config without the settings: still decided here, so the SDK never parses it', () => {
    const sso = '[profile a]\nsso_session = corp\nsso_account_id = 111122223333\n\n'.repeat(1000)
    expect(clientEndpointFlags({ HOME: home(sso) })).toEqual({
      useFips: false,
      useDualStack: false
    })
  })
  test.each(['use_fips_endpoint = true', 'use_dualstack_endpoint=true'])(
    'a config that says %s: left to the SDK, which reads the profile',
    line => {
      expect(clientEndpointFlags({ HOME: home(`[default]\n${line}\n`) })).toBeUndefined()
    }
  )
  test('an invalid flag: left to the SDK, which reports it', () => {
    expect(clientEndpointFlags({ HOME: home(), AWS_USE_FIPS_ENDPOINT: 'yes' })).toBeUndefined()
  })
  test('a config that cannot be read here (a folder): left to the SDK', () => {
    const dir = home()
    mkdirSync(join(dir, '.aws', 'config'), { recursive: true })
    expect(clientEndpointFlags({ HOME: dir })).toBeUndefined()
  })
})
