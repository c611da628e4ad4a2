/**
 * URL inputs through readSettings (src/rules/endpoint.ts): sts-endpoint (and AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL), http-proxy (and the proxy variables), no-proxy; the one cleartext rule.
 */
import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../../src/rules/input-error.js'
import {
  checkCleartext,
  checkTokenRequestUrl,
  isLoopbackHost,
  parseProxyUrl,
  proxySecrets
} from '../../../src/rules/endpoint.js'
import { noProxyList } from '../../../src/network/http-agents.js'
import { settings, expectRefused, escapeRegExp } from '../../../test-support/read-settings.js'

describe('http-proxy and no-proxy', () => {
  test('the input, marked as given', () => {
    expect(settings({ 'http-proxy': 'https://proxy.internal:3128' }).proxy).toEqual({
      url: 'https://proxy.internal:3128',
      noProxy: undefined,
      fromInput: true
    })
  })

  test('the input wins over the environment', () => {
    expect(
      settings({ 'http-proxy': 'https://proxy.internal' }, { HTTPS_PROXY: 'http://env-proxy:1' })
        .proxy
    ).toMatchObject({ url: 'https://proxy.internal', fromInput: true })
  })

  test.each([
    [
      {
        HTTPS_PROXY: 'http://a:1',
        https_proxy: 'http://b:1',
        HTTP_PROXY: 'http://c:1',
        http_proxy: 'http://d:1'
      },
      'http://a:1'
    ],
    [
      { https_proxy: 'http://b:1', HTTP_PROXY: 'http://c:1', http_proxy: 'http://d:1' },
      'http://b:1'
    ],
    [{ HTTP_PROXY: 'http://c:1', http_proxy: 'http://d:1' }, 'http://c:1'],
    [{ http_proxy: 'http://d:1' }, 'http://d:1']
  ])('from the environment (%j), not marked as given', (env, url) => {
    expect(settings({}, env).proxy).toEqual({ url, noProxy: undefined, fromInput: false })
  })

  test('no-proxy from the input, else NO_PROXY, else no_proxy', () => {
    expect(settings({ 'no-proxy': 'a.test' }, { NO_PROXY: 'b.test' }).proxy.noProxy).toBe('a.test')
    expect(settings({}, { NO_PROXY: 'b.test', no_proxy: 'c.test' }).proxy.noProxy).toBe('b.test')
    expect(settings({}, { no_proxy: 'c.test' }).proxy.noProxy).toBe('c.test')
  })

  test.each([
    'socks5://proxy:1080',
    'proxy.internal:3128',
    'proxy.internal',
    'not a url',
    'file:///tmp/x',
    'http://user:secret-pw@',
    'http://user:secret-pw@proxy internal:3128',
    'socks5://user:secret-pw@proxy:1080',
    'http://user:secret%zz@proxy:3128',
    'user:secret-pw@proxy:3128'
  ])('refuses %j without showing any of it', value => {
    const error = expectRefused(
      { 'http-proxy': value },
      'http-proxy',
      /must be an http:\/\/ or https:\/\/ URL.*\(value not shown: it may hold a password\)\.$/
    )
    expect(error.message).not.toContain(value)
    expect(error.message).not.toContain('secret')
    expect(error.message).not.toContain('proxy.internal')
  })

  test.each([
    'http://companydomain.com:3128',
    'https://proxy.corp.example:8443',
    'http://10.0.0.5:3128',
    'http://user:p%40ss@proxy.corp.example:3128',
    'http://proxy-user@proxy.corp.example:3128'
  ])('accepts %j (any host, with or without user info)', value => {
    expect(settings({ 'http-proxy': value }).proxy.url).toBe(value)
  })

  test.each(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'])(
    '%s gets the same rule, named by the variable, never showing the value',
    name => {
      const value = 'http://user:secret-pw@proxy corp:3128'
      const error = expectRefused({}, 'http-proxy', /must be an http:\/\/ or https:\/\/ URL/, {
        [name]: value
      })
      expect(error.message).toMatch(
        new RegExp(`^Input 'http-proxy' \\(from the environment variable ${name}\\) must be`)
      )
      expect(error.message).not.toContain('secret-pw')
      expect(settings({}, { [name]: 'http://u:p@proxy.corp.example:3128' }).proxy.url).toBe(
        'http://u:p@proxy.corp.example:3128'
      )
    }
  )

  test.each([
    ['no-proxy', {}],
    ['NO_PROXY', { NO_PROXY: 'a.test\r\nb' }],
    ['no_proxy', { no_proxy: 'a.test\u0000' }]
  ])('%s with a control character is refused', (name, env) => {
    const inputs: Record<string, string> = name === 'no-proxy' ? { 'no-proxy': 'a.test\u0007' } : {}
    const error = expectRefused(inputs, 'no-proxy', /must be a comma-separated list/, env)
    if (name !== 'no-proxy') expect(error.message).toContain(`environment variable ${name}`)
  })

  test('the secrets of a proxy URL, well-formed or not, raw and %-decoded', () => {
    expect(proxySecrets('http://us%40er:p%3Ass@proxy:3128')).toEqual([
      'us%40er:p%3Ass',
      'p%3Ass',
      'us@er:p:ss',
      'p:ss'
    ])
    expect(proxySecrets('http://user:pw@proxy internal:1')).toEqual(['user:pw', 'pw'])
    expect(proxySecrets('http://token@proxy:1')).toEqual(['token'])
    expect(proxySecrets('http://proxy:3128')).toEqual([])
    expect(proxySecrets('')).toEqual([])
  })

  test('parseProxyUrl names the variable it was given', () => {
    expect(() => parseProxyUrl('HTTPS_PROXY', 'nope')).toThrow(
      /^Input 'http-proxy' \(from the environment variable HTTPS_PROXY\) must be/
    )
  })

  test("loopback is added to every NO_PROXY Node's agents get", () => {
    expect(noProxyList(undefined)).toBe('localhost,127.0.0.0-127.255.255.255,::1,[::1]')
    expect(noProxyList('.corp.example')).toBe(
      '.corp.example,localhost,127.0.0.0-127.255.255.255,::1,[::1]'
    )
  })
})

// -------------------------------------------------------------------------------------------------

describe('sts-endpoint', () => {
  test.each([
    'https://sts.example.test',
    'http://localhost:9000',
    'https://vpce-1.sts.us-east-1.vpce.amazonaws.com/'
  ])('accepts %j', url => {
    expect(settings({ 'sts-endpoint': url }).stsEndpoint).toBe(url)
  })

  test('absent by default', () => {
    expect(settings().stsEndpoint).toBeUndefined()
  })

  test.each([
    'ftp://sts.example.test',
    'sts.example.test',
    'localhost:9000',
    'javascript:alert(1)',
    '//sts.example.test'
  ])('refuses %j', url => {
    expectRefused(
      { 'sts-endpoint': url },
      'sts-endpoint',
      new RegExp(`must be an http:// or https:// URL; got ${escapeRegExp(JSON.stringify(url))}\\.$`)
    )
  })

  test.each([
    'https://admin:p4ssw0rd-hidden@sts.example.test',
    'https://p4ssw0rd-hidden@sts.example.test',
    'https://:p4ssw0rd-hidden@sts.example.test'
  ])('refuses credentials in %j without showing them', url => {
    const error = expectRefused(
      { 'sts-endpoint': url },
      'sts-endpoint',
      /must not carry a user name or password in the URL \(value not shown\)\.$/
    )
    expect(error.message).not.toContain('p4ssw0rd-hidden')
  })
})

// -------------------------------------------------------------------------------------------------

/** Once product bugs, now fixed: kept as regression tests. */
describe('line breaks and control characters in a URL', () => {
  // The WHATWG URL parser drops tabs and line breaks and trailing C0 controls, so checking
  // `new URL(value)` alone would accept these and hand the raw value on.
  test.each([
    ['sts-endpoint', 'https://sts.example.test/\n::set-env name=X::y'],
    ['sts-endpoint', 'https://sts.example.test/\u0000'],
    ['sts-endpoint', 'https://sts.exa\tmple.test'],
    ['http-proxy', 'http://proxy.internal:3128/\n::set-env name=X::y']
  ])('%s refuses a line break or control character: %j', (input, value) => {
    expectRefused({ [input]: value }, input, /URL|control/)
  })
})

// -------------------------------------------------------------------------------------------------

describe('the STS endpoint from the environment', () => {
  test('AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL; sts-endpoint wins', () => {
    const env = {
      AWS_ENDPOINT_URL_STS: 'http://sts.corp.example:1',
      AWS_ENDPOINT_URL: 'http://all:2'
    }
    expect(settings({}, env)).toMatchObject({
      stsEndpoint: 'http://sts.corp.example:1',
      stsEndpointOrigin: 'AWS_ENDPOINT_URL_STS'
    })
    expect(settings({}, { AWS_ENDPOINT_URL: 'http://all:2' })).toMatchObject({
      stsEndpoint: 'http://all:2',
      stsEndpointOrigin: 'AWS_ENDPOINT_URL'
    })
    expect(settings({ 'sts-endpoint': 'https://mine.test' }, env)).toMatchObject({
      stsEndpoint: 'https://mine.test',
      stsEndpointOrigin: 'sts-endpoint'
    })
  })

  test('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them, as the SDK does; not true/false is refused', () => {
    const env = { AWS_ENDPOINT_URL_STS: 'http://sts.corp.example:1' }
    expect(
      settings({}, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).stsEndpoint
    ).toBeUndefined()
    expectRefused(
      {},
      'sts-endpoint',
      /AWS_IGNORE_CONFIGURED_ENDPOINT_URLS\) must be true or false/,
      {
        ...env,
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'yes'
      }
    )
  })

  test('the variables get the URL rule, named by the variable', () => {
    const error = expectRefused({}, 'sts-endpoint', /must not carry a user name/, {
      AWS_ENDPOINT_URL_STS: 'https://u:secret-pw@sts.test'
    })
    expect(error.message).toMatch(
      /^Input 'sts-endpoint' \(from the environment variable AWS_ENDPOINT_URL_STS\) must not/
    )
    expect(error.message).not.toContain('secret-pw')
  })
})

// -------------------------------------------------------------------------------------------------

describe('the one cleartext rule (checkCleartext)', () => {
  test.each([
    'http://sts.corp.example:4566',
    'http://localstack:4566',
    'http://10.0.0.5',
    'http://128.0.0.1',
    'http://localhost.example.com',
    'http://[::2]:80'
  ])('an ID token never goes to %s: refused, naming where the endpoint came from', url => {
    for (const origin of [
      'sts-endpoint',
      'AWS_ENDPOINT_URL_STS',
      'the shared config profile "ci"'
    ]) {
      let error: unknown
      try {
        checkCleartext(url, origin, 'id-token')
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(InputError)
      expect((error as Error).message).toMatch(
        /the web identity token would cross the network in cleartext/
      )
      expect((error as Error).message).toMatch(/^Input 'sts-endpoint' /)
      if (origin !== 'sts-endpoint') expect((error as Error).message).toContain(origin)
    }
  })

  test('signed requests may go to http:// off this machine, with one warning', () => {
    expect(checkCleartext('http://localstack:4566', 'sts-endpoint', 'signed-request')).toBe(
      'The STS endpoint http://localstack:4566 (from sts-endpoint) is cleartext http://: the session credentials it answers with cross the network unencrypted.'
    )
  })

  test.each([
    'http://127.0.0.1:4566',
    'http://127.9.8.7',
    'http://localhost:4566',
    'http://[::1]:4566',
    'https://sts.corp.example',
    'https://10.0.0.5'
  ])('%s: no refusal, no warning', url => {
    expect(checkCleartext(url, 'sts-endpoint', 'id-token')).toBeUndefined()
    expect(checkCleartext(url, 'sts-endpoint', 'signed-request')).toBeUndefined()
  })

  test('loopback as the URL parser normalises it', () => {
    expect(['localhost', '127.0.0.1', '127.255.0.9', '[::1]', '::1'].every(isLoopbackHost)).toBe(
      true
    )
    expect(['localhost.example.com', '128.0.0.1', '[::2]', 'localstack'].some(isLoopbackHost)).toBe(
      false
    )
  })

  test('the ID-token request URL: https, or http to this machine, never echoed', () => {
    expect(() => checkTokenRequestUrl('https://pipelines.example.test/idtoken?x=1')).not.toThrow()
    expect(() => checkTokenRequestUrl('http://127.0.0.1:9/oidc')).not.toThrow()
    for (const url of ['http://pipelines.example.test/idtoken?x=1', 'https://u:p@x.test', 'nope']) {
      expect(() => checkTokenRequestUrl(url)).toThrow(
        /ACTIONS_ID_TOKEN_REQUEST_URL\) must be an https:\/\/ URL/
      )
    }
  })
})
