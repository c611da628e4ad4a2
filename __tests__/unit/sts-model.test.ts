/**
 * The emulator's input check against botocore's STS model: each kind of constraint the model
 * states, STS's wording for a violation, and that the emulator answers it and will not run without
 * the model.
 */
import { describe, expect, test } from '@jest/globals'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import {
  javaPattern,
  loadStsModel,
  locateStsModel,
  MISSING_MODEL_HELP,
  validationMessage
} from '../../test-support/emulator/model.js'
import { SEED, startEmulator } from '../../test-support/emulator/index.js'

const model = loadStsModel()
const ROLE = 'arn:aws:iam::111111111111:role/deploy'
const TAG_VALUE = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*'

function check(action: string, params: Record<string, string>): string[] | undefined {
  return model.validate(action, new URLSearchParams(params))
}
const assumeRole = (extra: Record<string, string> = {}): string[] | undefined =>
  check('AssumeRole', { RoleArn: ROLE, RoleSessionName: 'GitHubActions', ...extra })

describe("botocore's STS model", () => {
  test("is read from Debian's awscli package and defines the three operations we call", () => {
    expect(model.path).toMatch(/\/data\/sts\/2011-06-15\/service-2\.json$/)
    expect(model.apiVersion).toBe('2011-06-15')
    expect(model.operations).toEqual(
      expect.arrayContaining(['AssumeRole', 'AssumeRoleWithWebIdentity', 'GetCallerIdentity'])
    )
  })

  test('a missing model stops the emulator with install instructions, never a skip', () => {
    expect(() => locateStsModel({ STS_SERVICE_MODEL: '/nonexistent/service-2.json' })).toThrow(
      MISSING_MODEL_HELP
    )
    expect(MISSING_MODEL_HELP).toContain('apt-get install -y awscli')
  })

  test('conforming requests pass; an operation the model lacks is not judged here', () => {
    expect(
      assumeRole({
        DurationSeconds: '3600',
        'Tags.member.1.Key': 'Team',
        'Tags.member.1.Value': ''
      })
    ).toEqual([])
    expect(check('GetCallerIdentity', {})).toEqual([])
    expect(check('NoSuchAction', {})).toBeUndefined()
  })
})

describe("each constraint, in STS's words", () => {
  test('a tag value outside the pattern', () => {
    const violations = assumeRole({
      'Tags.member.1.Key': 'Actor',
      'Tags.member.1.Value': 'dependabot*bot*'
    })
    expect(violations).toEqual([
      `Value 'dependabot*bot*' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_VALUE}`
    ])
    expect(validationMessage(violations ?? [])).toBe(
      `1 validation error detected: Value 'dependabot*bot*' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_VALUE}`
    )
  })

  test('required members', () => {
    expect(check('AssumeRole', { RoleSessionName: 'ab' })).toEqual([
      "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
    ])
    expect(check('AssumeRoleWithWebIdentity', { RoleArn: ROLE, RoleSessionName: 'ab' })).toEqual([
      "Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null"
    ])
    expect(assumeRole({ 'Tags.member.1.Key': 'Team' })).toEqual([
      "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"
    ])
  })

  test('string lengths and patterns; several violations are counted and joined', () => {
    expect(check('AssumeRole', { RoleArn: ROLE, RoleSessionName: 'a' })).toEqual([
      "Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
    ])
    const violations = check('AssumeRole', { RoleArn: 'arn:short', RoleSessionName: 'has space' })
    expect(violations).toEqual([
      "Value 'arn:short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
      "Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    ])
    expect(validationMessage(violations ?? [])).toMatch(
      /^2 validation errors detected: Value 'arn:short' .*; Value 'has space' /
    )
    expect(assumeRole({ RoleSessionName: 's'.repeat(65) })?.[0]).toMatch(
      /at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64$/
    )
    expect(assumeRole({ ExternalId: 'has space' })?.[0]).toMatch(
      /at 'externalId' .*pattern: \[\\w\+=,\.@:\\\/-\]\*$/
    )
  })

  test('lengths count characters (code points), not UTF-16 units', () => {
    const astral = '\u{1D400}' // a letter of two UTF-16 units
    expect(
      assumeRole({ 'Tags.member.1.Key': 'K', 'Tags.member.1.Value': astral.repeat(256) })
    ).toEqual([])
    expect(
      assumeRole({ 'Tags.member.1.Key': 'K', 'Tags.member.1.Value': astral.repeat(257) })?.[0]
    ).toMatch(
      /at 'tags\.1\.member\.value' failed to satisfy constraint: Member must have length less than or equal to 256$/
    )
  })

  test('an empty tag key breaks both the length and the + of its pattern', () => {
    expect(assumeRole({ 'Tags.member.1.Key': '', 'Tags.member.1.Value': 'v' })).toEqual([
      "Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
      "Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
    ])
  })

  test('integer ranges', () => {
    expect(assumeRole({ DurationSeconds: '899' })).toEqual([
      "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    ])
    expect(assumeRole({ DurationSeconds: '43201' })?.[0]).toMatch(/less than or equal to 43200$/)
    expect(assumeRole({ DurationSeconds: '43200' })).toEqual([])
  })

  test('list sizes: at most 50 tags and 50 transitive keys', () => {
    const tags = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [
        [`Tags.member.${i + 1}.Key`, `k${i}`],
        [`Tags.member.${i + 1}.Value`, 'v']
      ]).flat()
    )
    expect(assumeRole(tags)).toHaveLength(1)
    expect(assumeRole(tags)?.[0]).toMatch(
      /^Value '\[\{Key: k0, Value: v\}, .*' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50$/
    )
    const keys = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`TransitiveTagKeys.member.${i + 1}`, `k${i}`])
    )
    expect(assumeRole(keys)?.[0]).toMatch(/at 'transitiveTagKeys' .*less than or equal to 50$/)
  })

  test('members of list elements: policyArns.N.member.arn', () => {
    expect(
      assumeRole({
        'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        'PolicyArns.member.2.arn': 'short'
      })
    ).toEqual([
      "Value 'short' at 'policyArns.2.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20"
    ])
  })

  test('the session policy: 1 to 2048 of tab, LF, CR and U+0020 to U+00FF', () => {
    expect(assumeRole({ Policy: '{"Version":"2012-10-17","Statement":[]}' })).toEqual([])
    expect(assumeRole({ Policy: '{"Sid":"Ā"}' })?.[0]).toMatch(
      /at 'policy' .*pattern: \[\\u0009\\u000A\\u000D\\u0020-\\u00FF\]\+$/
    )
    expect(assumeRole({ Policy: 'x'.repeat(2049) })?.[0]).toMatch(/less than or equal to 2048$/)
  })
})

describe('Java patterns in JavaScript', () => {
  test('\\u10000-style escapes are code points: an astral character is allowed in an ARN', () => {
    expect(assumeRole({ RoleArn: `${ROLE}\u{10000}` })).toEqual([])
    expect(assumeRole({ RoleArn: `${ROLE}\u0001` })?.[0]).toMatch(
      /at 'roleArn' .*regular expression pattern/
    )
  })

  test('patterns match the whole value, and punctuation escapes Java allows compile', () => {
    expect(javaPattern('[\\w]*').test('abc def')).toBe(false)
    expect(javaPattern('[\\w+=,.@\\:-]*').test('a:b')).toBe(true)
  })
})

describe('the emulator answers a violation as STS does, and tells the test', () => {
  test('ValidationError 400 with the wording above; close() fails on violations no test took', async () => {
    const emu = await startEmulator()
    const client = new STSClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: SEED.user,
      maxAttempts: 1
    })
    const error = (await client
      .send(
        new AssumeRoleCommand({
          RoleArn: SEED.roles.deploy,
          RoleSessionName: 'x',
          Tags: [{ Key: 'Actor', Value: 'renovate[bot]' }]
        })
      )
      .catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number } }
    client.destroy()
    expect(error.name).toBe('ValidationError')
    expect(error.$metadata.httpStatusCode).toBe(400)
    expect(error.message).toBe(
      `2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; Value 'renovate[bot]' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_VALUE}`
    )
    await expect(emu.close()).rejects.toThrow(
      /refused 1 STS request\(s\) that botocore's STS model rejects/
    )
  })

  test('a test that takes the violations closes cleanly', async () => {
    const emu = await startEmulator()
    const client = new STSClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: SEED.user,
      maxAttempts: 1
    })
    await client
      .send(new AssumeRoleCommand({ RoleArn: SEED.roles.deploy, RoleSessionName: 'x' }))
      .catch(() => undefined)
    client.destroy()
    expect(emu.takeModelViolations()).toEqual([
      "AssumeRole: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
    ])
    await emu.close()
  })
})
