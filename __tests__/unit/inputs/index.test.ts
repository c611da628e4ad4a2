/**
 * readSettings(reader, env, context) as a whole: the plan the base inputs give, and the choice of
 * source identity. Each input rule has its own file in rules/, named for its src/rules/ module.
 */
import { describe, expect, test } from '@jest/globals'
import {
  ROLE,
  KEY_ID,
  SECRET,
  NO_KEYS,
  OIDC_ENV,
  CONTEXT_TAGS,
  settings,
  expectRefused
} from '../../../test-support/read-settings.js'

describe('a plain run', () => {
  test('the base inputs give the documented defaults', () => {
    expect(settings()).toMatchObject({
      region: 'us-east-1',
      source: {
        kind: 'access-keys',
        keys: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: undefined }
      },
      role: {
        role: { arn: ROLE, partition: 'aws', accountId: '111111111111', name: 'deploy' },
        sessionName: 'GitHubActions',
        durationSeconds: 3600,
        externalId: undefined,
        tags: CONTEXT_TAGS,
        transitiveTagKeys: [],
        inlinePolicy: undefined,
        managedPolicies: []
      },
      stsEndpoint: undefined,
      allowedAccountIds: [],
      maskAccountId: false,
      outputCredentials: false,
      outputEnvCredentials: true,
      unsetCurrentCredentials: false,
      retry: { maxAttempts: 12, actionTimeoutMs: undefined },
      specialCharactersWorkaround: false,
      proxy: { url: undefined, noProxy: undefined, fromInput: false }
    })
  })

  test('keys without a role: no role request', () => {
    expect(settings({ 'role-to-assume': null }).role).toBeUndefined()
  })

  test('pure: the environment object is only read', () => {
    const env = Object.freeze({ ...OIDC_ENV, AWS_REGION: 'eu-west-1', HTTPS_PROXY: 'http://p:1' })
    expect(() => settings({ 'aws-region': null }, env)).not.toThrow()
  })

  test.each(['custom-tags', 'inline-session-policy', 'role-to-assume', 'aws-secret-access-key'])(
    '%s longer than 65536 characters is refused before parsing',
    input => {
      const value = 'x'.repeat(65_537)
      const error = expectRefused(
        { [input]: value },
        input,
        /is 65537 characters long; the limit is 65536\.$/
      )
      expect(error.message).not.toContain('xxxxxxxx')
    }
  )

  test('role-duration-seconds is bounded as written (raw) too', () => {
    expectRefused(
      { 'role-duration-seconds': `900${' '.repeat(65_534)}` },
      'role-duration-seconds',
      /is 65537 characters long/
    )
  })
})

// -------------------------------------------------------------------------------------------------

describe('where the source identity comes from', () => {
  const tokenFile = { 'web-identity-token-file': '/var/run/token' }

  test('access keys first, even with a token file and OIDC available', () => {
    expect(settings(tokenFile, OIDC_ENV).source).toEqual({
      kind: 'access-keys',
      keys: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: undefined }
    })
  })

  test('access keys also win over role-chaining (the one-hour cap still applies)', () => {
    const result = settings({ 'role-chaining': 'true' }, OIDC_ENV)
    expect(result.source.kind).toBe('access-keys')
    expectRefused(
      { 'role-chaining': 'true', 'role-duration-seconds': '3601' },
      'role-duration-seconds',
      /3600/
    )
  })

  test('then the token file, even with OIDC available', () => {
    expect(settings({ ...NO_KEYS, ...tokenFile }, OIDC_ENV).source).toEqual({
      kind: 'token-file',
      path: '/var/run/token'
    })
  })

  test('then GitHub OIDC when the job can request a token', () => {
    expect(settings(NO_KEYS, OIDC_ENV).source).toEqual({
      kind: 'github-oidc',
      requestUrl: OIDC_ENV.ACTIONS_ID_TOKEN_REQUEST_URL,
      requestToken: OIDC_ENV.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
      audience: 'sts.amazonaws.com'
    })
  })

  test.each([
    [
      'only the request URL',
      { ACTIONS_ID_TOKEN_REQUEST_URL: OIDC_ENV.ACTIONS_ID_TOKEN_REQUEST_URL },
      {}
    ],
    [
      'only the request token',
      { ACTIONS_ID_TOKEN_REQUEST_TOKEN: OIDC_ENV.ACTIONS_ID_TOKEN_REQUEST_TOKEN },
      {}
    ],
    ['force-skip-oidc: true', OIDC_ENV, { 'force-skip-oidc': 'true' }],
    ['force-skip-oidc: TRUE', OIDC_ENV, { 'force-skip-oidc': 'TRUE' }],
    ['no OIDC at all', {}, {}]
  ])('else the environment (%s)', (_, env, changes) => {
    expect(settings({ ...NO_KEYS, ...changes }, env).source).toEqual({
      kind: 'environment',
      chaining: false
    })
  })

  test('role-chaining never uses OIDC: the environment, chaining', () => {
    expect(settings({ ...NO_KEYS, 'role-chaining': 'true' }, OIDC_ENV).source).toEqual({
      kind: 'environment',
      chaining: true
    })
  })

  test('force-skip-oidc: false keeps OIDC', () => {
    expect(settings({ ...NO_KEYS, 'force-skip-oidc': 'false' }, OIDC_ENV).source.kind).toBe(
      'github-oidc'
    )
  })
})
