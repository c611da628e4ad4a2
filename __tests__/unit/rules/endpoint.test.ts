/**
 * URL inputs through readSettings (src/rules/endpoint.ts): sts-endpoint and http-proxy (https, or
 * cleartext to this machine only; no user:password), no-proxy.
 */
import { describe, expect, test } from '@jest/globals'
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
    'file:///tmp/x'
  ])('refuses %j', value => {
    expectRefused(
      { 'http-proxy': value },
      'http-proxy',
      new RegExp(
        `must be an http:// or https:// URL; got ${escapeRegExp(JSON.stringify(value))}\\.$`
      )
    )
  })

  test('refuses a user name or password in the URL, without showing it', () => {
    const error = expectRefused(
      { 'http-proxy': 'http://admin:p4ssw0rd-hidden@proxy.internal:3128' },
      'http-proxy',
      /must not carry a user name or password in the URL \(value not shown\)\.$/
    )
    expect(error.message).not.toContain('p4ssw0rd-hidden')
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

describe('cleartext only on this machine (sts-endpoint, http-proxy)', () => {
  // The ID token and signed requests must not cross a network unencrypted.
  test.each([
    ['sts-endpoint', 'http://sts.example.com'],
    ['sts-endpoint', 'http://10.0.0.5:8080'],
    ['sts-endpoint', 'http://128.0.0.1'],
    ['sts-endpoint', 'http://localhost.example.com'],
    ['sts-endpoint', 'http://[::2]:80'],
    ['http-proxy', 'http://proxy.internal:3128'],
    ['http-proxy', 'http://192.168.1.1:3128']
  ])('%s %s is refused before any call', (input, value) => {
    expectRefused(
      { [input]: value },
      input,
      /must be an https:\/\/ URL: cleartext http:\/\/ is allowed only to this machine/
    )
  })

  test.each([
    ['sts-endpoint', 'http://127.0.0.1:4566'],
    ['sts-endpoint', 'http://127.9.8.7'],
    ['sts-endpoint', 'http://localhost:4566'],
    ['sts-endpoint', 'http://[::1]:4566'],
    ['sts-endpoint', 'https://sts.example.com'],
    ['http-proxy', 'http://127.0.0.1:3128'],
    ['http-proxy', 'https://proxy.internal:3128']
  ])('%s %s is accepted (loopback, or https)', (input, value) => {
    const result = settings({ [input]: value })
    expect(input === 'sts-endpoint' ? result.stsEndpoint : result.proxy.url).toBe(value)
  })
})
