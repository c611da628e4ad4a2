/**
 * The one line that names where the SDK's default chain found the runner's credentials, from the
 * SDK's own `$source` feature tags: it names the kind of source, never a key, and a profile name
 * from the environment cannot reshape the log. And the profile-variable warnings of
 * runner/inherited-variables.ts for each combination an earlier step can leave.
 */
import type { AwsCredentialIdentity } from '@smithy/types'
import { originOf } from '../../../src/sources/default-chain.js'
import { profileWarnings, readInherited } from '../../../src/runner/inherited-variables.js'

const KEYS = { accessKeyId: 'ASIAEXAMPLEKEYID0001', secretAccessKey: 'secret/Example+Key' }
const tagged = (...features: string[]): AwsCredentialIdentity =>
  Object.assign({ ...KEYS }, { $source: Object.fromEntries(features.map(f => [f, 'x'])) })

describe('originOf', () => {
  test.each([
    [
      ['CREDENTIALS_ENV_VARS'],
      {},
      'from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment'
    ],
    [['CREDENTIALS_PROFILE'], { AWS_PROFILE: 'ci' }, 'from profile "ci"'],
    [['CREDENTIALS_PROFILE'], {}, 'from profile "default"'],
    [
      ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'CREDENTIALS_STS_ASSUME_ROLE'],
      { AWS_PROFILE: 'r' },
      'from profile "r"'
    ],
    [
      ['CREDENTIALS_PROFILE_PROCESS', 'CREDENTIALS_PROCESS'],
      { AWS_PROFILE: 'p' },
      'from profile "p"'
    ],
    [
      ['CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN'],
      {},
      'from the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)'
    ],
    [
      ['CREDENTIALS_HTTP'],
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/c' },
      'from the container role (AWS_CONTAINER_CREDENTIALS_*)'
    ],
    [
      [],
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' },
      'from the container role (AWS_CONTAINER_CREDENTIALS_*)'
    ],
    [[], {}, 'from the instance role (EC2 instance metadata)']
  ])('%j with %j: %s', (features, env, origin) => {
    expect(originOf(tagged(...features), env)).toBe(origin)
  })

  test('never shows a key, and a hostile profile name stays on one quoted line', () => {
    const origin = originOf(tagged('CREDENTIALS_PROFILE'), {
      AWS_PROFILE: 'ci\n::warning::forged\u2028'
    })
    expect(origin).toBe('from profile "ci\\n::warning::forged\\u2028"')
    expect(origin).not.toContain(KEYS.accessKeyId)
    expect(origin).not.toContain(KEYS.secretAccessKey)
  })
})

describe('profile variables left by earlier steps', () => {
  test('nothing set: no warning, nothing inherited', () => {
    const inherited = readInherited({})
    expect(inherited).toEqual({ credentials: [], profiles: [] })
    expect(profileWarnings(inherited, true, false)).toEqual([])
  })

  test('keys an earlier step set are named (never their values); empty ones count as unset', () => {
    const inherited = readInherited({
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_SESSION_TOKEN: ''
    })
    expect(inherited.credentials).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
  })

  test('a named AWS_PROFILE with exported keys: one warning naming the JS and Go SDKs', () => {
    const warnings = profileWarnings(readInherited({ AWS_PROFILE: 'robot' }), true, false)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^AWS_PROFILE="robot" from an earlier step stays set .*JavaScript and Go SDKs/
    )
  })

  test('only AWS_DEFAULT_PROFILE: the warning names the Go SDK alone (the JS SDK ignores it)', () => {
    const [warning] = profileWarnings(readInherited({ AWS_DEFAULT_PROFILE: 'x' }), true, false)
    expect(warning).toMatch(/but the Go SDK \(and tools built on it/)
  })

  test('a named profile without exported keys needs no warning; aws-profile silences all', () => {
    expect(profileWarnings(readInherited({ AWS_PROFILE: 'robot' }), false, false)).toEqual([])
    expect(
      profileWarnings(readInherited({ AWS_PROFILE: '', AWS_DEFAULT_PROFILE: 'x' }), true, true)
    ).toEqual([])
  })

  test('empty profile variables: one warning explaining the CLI failure, whatever is exported', () => {
    for (const exportsKeys of [true, false]) {
      const warnings = profileWarnings(
        readInherited({ AWS_PROFILE: '', AWS_DEFAULT_PROFILE: '' }),
        exportsKeys,
        false
      )
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(
        /^AWS_PROFILE and AWS_DEFAULT_PROFILE are set to an empty value .*The config profile \(\) could not be found/
      )
    }
  })
})
