/**
 * Proxies and cleartext as companies and LocalStack users meet them, through the committed bundle
 * on Node 24 (ACTION_NODE; Node's own agents do the proxying since 24.5). Off-machine names
 * (sts.corp.example, localstack, proxy.corp.example) exist only inside a private mount and
 * network namespace (test-support/netns.ts), so nothing leaves the machine. Witnesses: a logging
 * CONNECT proxy (test-support/forward-proxy.ts) and a plaintext logger in front of the emulator
 * (test-support/plaintext-logger.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import { runInNamespace, type ScenarioOutcome } from '../../test-support/netns.js'
import {
  ACTION_NODE,
  MAIN_ENTRY,
  errorMessage,
  runStep,
  spawnCollect
} from '../../test-support/runner.js'

const KEYS = {
  'aws-region': 'us-east-1',
  'role-to-assume': SEED.roles.deploy,
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
}
const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: '{oidcUrl}',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: '{oidcToken}'
}
const OIDC = { 'aws-region': 'us-east-1', 'role-to-assume': SEED.roles.githubDeploy }
const CORP_STS = 'https://sts.corp.example:{tlsPort}'

beforeAll(async () => {
  // Not a branch: the proxy support these tests exercise is Node's own, from 24.5 on.
  const version = (await spawnCollect(ACTION_NODE, ['--version'], {}, 10_000)).stdout.trim()
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  if (major < 24 || (major === 24 && minor < 5)) {
    throw new Error(
      `The bundles must run on Node >= 24.5 (ACTION_NODE is ${version}): npm install --prefix .tmp/node24 --no-save node@24.21.0 && export ACTION_NODE=$PWD/.tmp/node24/node_modules/node/bin/node`
    )
  }
})

/** The masks registered before the first line that is not an ::add-mask:: (masks come first). */
const masksFirst = (outcome: ScenarioOutcome): string[] => {
  const leading = outcome.lines.findIndex(line => !line.startsWith('::add-mask::'))
  return outcome.masks.slice(0, leading < 0 ? outcome.lines.length : leading)
}

const warnings = (outcome: { lines: string[] }): string[] =>
  outcome.lines.filter(line => line.startsWith('::warning'))

const errorOf = (outcome: { lines: string[] }): string =>
  outcome.lines.find(line => line.startsWith('::error')) ?? ''

describe('proxies', () => {
  test('an http:// proxy on another host (the README example’s shape): CONNECT host:port only, TLS end to end', async () => {
    const outcome = await runInNamespace({
      inputs: {
        ...KEYS,
        'sts-endpoint': CORP_STS,
        'http-proxy': 'http://proxy.corp.example:{proxyPort}'
      },
      proxy: {}
    })
    expect(errorOf(outcome)).toBe('')
    expect(outcome.code).toBe(0)
    expect(outcome.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
    expect(outcome.proxyLog.map(entry => `${entry.method} ${entry.target}`)).toEqual([
      expect.stringMatching(/^CONNECT sts\.corp\.example:\d+$/)
    ])
    expect(outcome.tlsHandshakes).toBe(1)
    expect(outcome.stats.AssumeRole).toBe(1)
    expect(warnings(outcome)).toEqual([])
  })

  test('user:password in http-proxy: masked before any other line, sent as Proxy-Authorization', async () => {
    const outcome = await runInNamespace({
      inputs: {
        ...KEYS,
        'sts-endpoint': CORP_STS,
        'http-proxy': 'http://ci%40corp:s3cr%3At-pw@proxy.corp.example:{proxyPort}'
      },
      proxy: { auth: 'ci@corp:s3cr:t-pw' }
    })
    expect(errorOf(outcome)).toBe('')
    expect(outcome.code).toBe(0)
    expect(outcome.proxyLog).toEqual([
      {
        method: 'CONNECT',
        target: expect.stringMatching(/^sts\.corp\.example:\d+$/),
        authorization: `Basic ${Buffer.from('ci@corp:s3cr:t-pw').toString('base64')}`
      }
    ])
    for (const secret of [
      'ci%40corp:s3cr%3At-pw',
      's3cr%3At-pw',
      'ci@corp:s3cr:t-pw',
      's3cr:t-pw'
    ]) {
      expect(outcome.masks).toContain(secret)
      // Its mask comes before any other line, and no rendered line shows it.
      expect(masksFirst(outcome)).toContain(secret)
      expect(outcome.log.filter(line => line.includes(secret))).toEqual([])
    }
  })

  test('an https:// proxy with user info', async () => {
    const outcome = await runInNamespace({
      inputs: {
        ...KEYS,
        'sts-endpoint': CORP_STS,
        'http-proxy': 'https://ci:tls-proxy-pw@proxy.corp.example:{proxyPort}'
      },
      proxy: { auth: 'ci:tls-proxy-pw', tls: true }
    })
    expect(errorOf(outcome)).toBe('')
    expect(outcome.code).toBe(0)
    expect(outcome.proxyLog.map(entry => entry.method)).toEqual(['CONNECT'])
    expect(outcome.masks).toContain('tls-proxy-pw')
  })

  test.each(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'])(
    '%s gets the same rules: user info masked and sent, and no-proxy from NO_PROXY',
    async variable => {
      const outcome = await runInNamespace({
        inputs: { ...KEYS, 'sts-endpoint': CORP_STS },
        env: { [variable]: 'http://ci:env-proxy-pw@proxy.corp.example:{proxyPort}' },
        proxy: { auth: 'ci:env-proxy-pw' }
      })
      expect(errorOf(outcome)).toBe('')
      expect(outcome.code).toBe(0)
      expect(outcome.proxyLog.map(entry => entry.method)).toEqual(['CONNECT'])
      expect(outcome.masks).toEqual(expect.arrayContaining(['ci:env-proxy-pw', 'env-proxy-pw']))
      const bypassed = await runInNamespace({
        inputs: { ...KEYS, 'sts-endpoint': CORP_STS },
        env: {
          [variable]: 'http://ci:env-proxy-pw@proxy.corp.example:{proxyPort}',
          NO_PROXY: '.corp.example'
        },
        proxy: { auth: 'ci:env-proxy-pw' }
      })
      expect(bypassed.code).toBe(0)
      expect(bypassed.proxyLog).toEqual([])
    }
  )

  test('loopback targets are never proxied: the ID-token request and the STS call go direct', async () => {
    const outcome = await runInNamespace({
      inputs: { ...OIDC, 'sts-endpoint': 'http://127.0.0.1:{loggerPort}' },
      env: { ...OIDC_ENV, HTTPS_PROXY: 'http://proxy.corp.example:{proxyPort}' },
      proxy: {}
    })
    expect(errorOf(outcome)).toBe('')
    expect(outcome.code).toBe(0)
    expect(outcome.proxyLog).toEqual([])
    expect(outcome.stats.idToken).toBe(1)
    expect(outcome.stats.AssumeRoleWithWebIdentity).toBe(1)
  })
})

describe('malformed proxy URLs never show their user info', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await startEmulator()
  })
  afterAll(async () => {
    await emu.close()
  })

  test.each([
    ['http-proxy', { 'http-proxy': 'http://ci:hunter2-pw@proxy corp:3128' }, {}],
    ['http-proxy', { 'http-proxy': 'socks5://ci:hunter2-pw@proxy.corp.example:1080' }, {}],
    ['HTTPS_PROXY', {}, { HTTPS_PROXY: 'http://ci:hunter2-pw@proxy corp:3128' }],
    ['http_proxy', {}, { http_proxy: 'http://ci:hunter2-pw@[bad:3128' }]
  ])(
    '%s: refused before any call, naming it, the password masked first',
    async (name, inputs, env) => {
      emu.resetStats()
      const main = await runStep(MAIN_ENTRY, {
        inputs: { ...KEYS, 'sts-endpoint': emu.url, ...inputs },
        env
      })
      expect(main.code).toBe(1)
      expect(errorMessage(main)).toMatch(
        name === 'http-proxy'
          ? /^Input 'http-proxy' must be an http:\/\/ or https:\/\/ URL/
          : new RegExp(`^Input 'http-proxy' \\(from the environment variable ${name}\\) must be`)
      )
      expect(errorMessage(main)).toMatch(/value not shown/)
      expect(
        main.stdout
          .split('\n')
          .filter(line => line.includes('hunter2-pw') && !line.startsWith('::add-mask::'))
      ).toEqual([])
      expect(
        main.lines
          .filter(line => line.includes('ci:'))
          .every(line => line.startsWith('::add-mask::'))
      ).toBe(true)
      expect(main.log.join('\n')).not.toContain('hunter2-pw')
      expect(emu.stats().requests).toBe(0)
      expect(main.env).toEqual({})
    }
  )
})

describe('one cleartext rule, on the endpoint the request actually goes to', () => {
  test('LocalStack as a service container: http://localstack with access keys works, with one warning', async () => {
    const outcome = await runInNamespace({
      inputs: { ...KEYS, 'sts-endpoint': 'http://localstack:{loggerPort}' }
    })
    expect(errorOf(outcome)).toBe('')
    expect(outcome.code).toBe(0)
    expect(outcome.stats.AssumeRole).toBe(1)
    expect(outcome.loggerLog.map(entry => entry.host)).toEqual([
      expect.stringMatching(/^localstack:\d+$/)
    ])
    expect(warnings(outcome)).toEqual([
      expect.stringMatching(
        /^::warning::The STS endpoint http:\/\/localstack:\d+ \(from sts-endpoint\) is cleartext http:\/\/: the session credentials it answers with cross the network unencrypted\.$/
      )
    ])
  })

  test('AWS_ENDPOINT_URL_STS with access keys: the calls go there (not around the rule), one warning', async () => {
    const outcome = await runInNamespace({
      inputs: KEYS,
      env: { AWS_ENDPOINT_URL_STS: 'http://localstack:{loggerPort}' }
    })
    expect(outcome.code).toBe(0)
    expect(outcome.loggerLog.map(entry => entry.body)).toEqual([
      expect.stringContaining('Action=AssumeRole')
    ])
    expect(warnings(outcome)).toEqual([
      expect.stringContaining('(from AWS_ENDPOINT_URL_STS) is cleartext')
    ])
  })

  const tokenCases: Array<[string, Parameters<typeof runInNamespace>[0]]> = [
    [
      'sts-endpoint',
      { inputs: { ...OIDC, 'sts-endpoint': 'http://sts.corp.example:{loggerPort}' }, env: OIDC_ENV }
    ],
    [
      'AWS_ENDPOINT_URL_STS',
      {
        inputs: OIDC,
        env: { ...OIDC_ENV, AWS_ENDPOINT_URL_STS: 'http://sts.corp.example:{loggerPort}' }
      }
    ],
    [
      'AWS_ENDPOINT_URL',
      {
        inputs: OIDC,
        env: { ...OIDC_ENV, AWS_ENDPOINT_URL: 'http://sts.corp.example:{loggerPort}' }
      }
    ],
    [
      'endpoint_url in the shared config profile "default"',
      {
        inputs: OIDC,
        env: OIDC_ENV,
        files: {
          'home/.aws/config': '[default]\nendpoint_url = http://sts.corp.example:{loggerPort}\n'
        }
      }
    ],
    [
      'endpoint_url in the shared config profile "ci"',
      {
        inputs: OIDC,
        env: { ...OIDC_ENV, AWS_PROFILE: 'ci' },
        files: {
          'home/.aws/config':
            '[profile ci]\nservices = corp\n\n[services corp]\nsts =\n  endpoint_url = http://sts.corp.example:{loggerPort}\n'
        }
      }
    ],
    [
      'sts-endpoint',
      {
        inputs: {
          'aws-region': 'us-east-1',
          'role-to-assume': SEED.roles.githubDeploy,
          'web-identity-token-file': 'token.jwt',
          'sts-endpoint': 'http://sts.corp.example:{loggerPort}'
        },
        files: { 'workspace/token.jwt': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }
      }
    ]
  ]
  test.each(tokenCases)(
    'an ID token to http://sts.corp.example from %s is refused before the token is requested',
    async (origin, scenario) => {
      const outcome = await runInNamespace(scenario)
      expect(outcome.code).toBe(1)
      const error = errorOf(outcome)
      expect(error).toContain('the web identity token would cross the network in cleartext')
      expect(error).toContain(origin === 'sts-endpoint' ? "Input 'sts-endpoint'" : origin)
      expect(outcome.stats.idToken).toBe(0)
      expect(outcome.loggerLog).toEqual([])
      expect(outcome.stats.requests).toBe(0)
      expect(outcome.env).toEqual({})
    }
  )

  test('an ID token over https to sts.corp.example (any source) is fine', async () => {
    const outcome = await runInNamespace({
      inputs: OIDC,
      env: { ...OIDC_ENV, AWS_ENDPOINT_URL_STS: CORP_STS }
    })
    expect(errorOf(outcome)).toBe('')
    expect(outcome.code).toBe(0)
    expect(outcome.tlsHandshakes).toBe(1)
    expect(outcome.stats.AssumeRoleWithWebIdentity).toBe(1)
  })
})

describe('mask-aws-account-id', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await startEmulator()
  })
  afterAll(async () => {
    await emu.close()
  })

  test('MASK_AWS_ACCOUNT_ID with an invalid ROLE_TO_ASSUME: the account is masked before the first line', async () => {
    const account = '123456789012'
    const main = await runStep(MAIN_ENTRY, {
      inputs: {
        'aws-region': 'us-east-1',
        'sts-endpoint': emu.url,
        'aws-access-key-id': SEED.user.accessKeyId,
        'aws-secret-access-key': SEED.user.secretAccessKey
      },
      env: { MASK_AWS_ACCOUNT_ID: 'true', ROLE_TO_ASSUME: `arn:aws:iam::${account}:rol/deploy` }
    })
    expect(main.code).toBe(1)
    expect(main.masks).toContain(account)
    const first = main.lines.findIndex(line => line.includes(account))
    expect(main.lines[first]).toBe(`::add-mask::${account}`)
    expect(main.log.join('\n')).not.toContain(account)
    expect(main.summary).not.toContain(account)
  })

  test.each([
    ['the input', { 'mask-aws-account-id': 'true' }, {}],
    ['MASK_AWS_ACCOUNT_ID', {}, { MASK_AWS_ACCOUNT_ID: 'true' }]
  ])(
    'from %s: the AccessDenied diagnosis shows neither the caller ARN nor any account',
    async (_, extra, env) => {
      const main = await runStep(MAIN_ENTRY, {
        inputs: {
          ...KEYS,
          'role-to-assume': SEED.roles.trustOnly,
          'sts-endpoint': emu.url,
          ...extra
        },
        env
      })
      expect(main.code).toBe(1)
      const shown = [...main.log, main.summary].join('\n')
      expect(shown).toContain('Not authorized to assume the role')
      for (const hidden of [SEED.user.arn, SEED.accounts.main, 'personal/localuser']) {
        expect(shown).not.toContain(hidden)
      }
      const errorAt = main.lines.findIndex(line => line.startsWith('::error'))
      expect(main.lines.indexOf(`::add-mask::${SEED.user.arn}`)).toBeLessThan(errorAt)
      expect(main.lines.indexOf(`::add-mask::${SEED.accounts.main}`)).toBeGreaterThanOrEqual(0)
    }
  )
})
