/**
 * Session name, external ID and audience through readSettings (src/rules/session.ts).
 */
import { describe, expect, test } from '@jest/globals'
import {
  NO_KEYS,
  OIDC_ENV,
  settings,
  roleOf,
  expectRefused,
  expectNotShown
} from '../../../test-support/read-settings.js'

describe('role-session-name', () => {
  test.each(['ab', 'n'.repeat(64), 'deploy@ci', 'a+b=c,d.e@f-g_h', 'GitHub_Actions-42'])(
    'accepts %j',
    name => {
      expect(roleOf({ 'role-session-name': name }).sessionName).toBe(name)
    }
  )

  test('defaults to GitHubActions; blanks around are trimmed', () => {
    expect(roleOf({ 'role-session-name': '' }).sessionName).toBe('GitHubActions')
    expect(roleOf({ 'role-session-name': '  deploy\n' }).sessionName).toBe('deploy')
  })

  test.each(['a', 'n'.repeat(65), 'a b', 'a/b', 'a:b', 'a*b', 'ñame', 'a\u0000b', 'a#b'])(
    'refuses %j',
    name => {
      expectRefused(
        { 'role-session-name': name },
        'role-session-name',
        /must be 2 to 64 characters of letters, digits and \+=,\.@_-; got ".*"\.$/s
      )
    }
  )
})

// -------------------------------------------------------------------------------------------------

describe('role-external-id', () => {
  test.each(['Q9', 'z'.repeat(1224), 'a:b/c=d+e,f.g@h-i_j', 'urn:example:tenant/42'])(
    'accepts %j',
    id => {
      expect(roleOf({ 'role-external-id': id }).externalId).toBe(id)
    }
  )

  test('absent by default', () => {
    expect(roleOf().externalId).toBeUndefined()
  })

  test.each(['Q', 'z'.repeat(1225), 'Shared Ext7731', 'Ext#Id7731', 'Äxt7731', 'Ext\nId7731'])(
    'refuses %j without showing it',
    id => {
      const error = expectRefused(
        { 'role-external-id': id },
        'role-external-id',
        /must be 2 to 1224 characters of letters, digits and \+=,\.@:\/_- \(value not shown\)\.$/
      )
      expectNotShown(error, id)
    }
  )

  test.each([
    ['OIDC', NO_KEYS, OIDC_ENV],
    ['a token file', { ...NO_KEYS, 'web-identity-token-file': '/tmp/token' }, {}]
  ])(
    'ignored with web identity (%s), with one warning that does not show it',
    (_, changes, env) => {
      const id = 'SharedExternal7731'
      const read = settings({ ...changes, 'role-external-id': id }, env)
      expect(read.role?.externalId).toBeUndefined()
      expect(read.warnings).toEqual([
        "Input 'role-external-id' is ignored: AssumeRoleWithWebIdentity takes no external ID, so a trust policy that requires sts:ExternalId never admits a web identity session."
      ])
      expect(read.warnings.join('\n')).not.toContain(id)
    }
  )
})

// -------------------------------------------------------------------------------------------------

describe('audience', () => {
  const audienceOf = (value: string): string => {
    const { source } = settings({ ...NO_KEYS, audience: value }, OIDC_ENV)
    if (source.kind !== 'github-oidc') throw new Error('expected OIDC')
    return source.audience
  }

  test.each([
    'sts.amazonaws.com',
    'https://github.com/octo-org',
    'a'.repeat(255),
    'api://AzureADTokenExchange'
  ])('accepts %j', audience => {
    expect(audienceOf(audience)).toBe(audience)
  })

  test('defaults to sts.amazonaws.com', () => {
    expect(audienceOf('')).toBe('sts.amazonaws.com')
  })

  test.each(['a'.repeat(256), 'sts amazonaws', 'sts\tamazonaws', 'sts\u0000x', 'sts\u2028x'])(
    'refuses %j',
    audience => {
      expectRefused(
        { ...NO_KEYS, audience },
        'audience',
        /must be at most 255 characters without spaces; got ".*"\.$/s,
        OIDC_ENV
      )
    }
  )
})
