/**
 * role-to-assume through readSettings (src/rules/arn.ts): role ARNs, partitions, bare role names.
 */
import { describe, expect, test } from '@jest/globals'
import {
  NO_KEYS,
  OIDC_ENV,
  settings,
  roleOf,
  expectRefused
} from '../../../test-support/read-settings.js'

describe('role-to-assume', () => {
  test.each([
    ['aws', 'us-east-1'],
    ['aws-cn', 'cn-north-1'],
    ['aws-us-gov', 'us-gov-west-1'],
    ['aws-iso', 'us-iso-east-1'],
    ['aws-iso-b', 'us-isob-east-1'],
    ['aws-iso-e', 'eu-isoe-west-1'],
    ['aws-iso-f', 'us-isof-south-1'],
    ['aws-eusc', 'eusc-de-east-1']
  ])('accepts partition %s with a region of it (%s)', (partition, region) => {
    const arn = `arn:${partition}:iam::123456789012:role/deploy`
    expect(roleOf({ 'role-to-assume': arn, 'aws-region': region }).role).toEqual({
      arn,
      partition,
      accountId: '123456789012',
      name: 'deploy'
    })
  })

  test.each([
    ['arn:aws:iam::111111111111:role/service-role/ci/deploy', 'deploy'],
    ['arn:aws:iam::111111111111:role/Deploy+Role=1,a.b@c-d_e', 'Deploy+Role=1,a.b@c-d_e'],
    [`arn:aws:iam::111111111111:role/${'n'.repeat(64)}`, 'n'.repeat(64)],
    ['arn:aws:iam::111111111111:role/p_1+=,.@-/x', 'x']
  ])('accepts paths and names: %s', (arn, name) => {
    expect(roleOf({ 'role-to-assume': arn }).role).toMatchObject({ arn, name })
  })

  test.each([
    'arn:aws:iam::11111111111:role/deploy',
    'arn:aws:iam::1111111111111:role/deploy',
    'arn:aws:iam::abcdefghijkl:role/deploy',
    'arn:aws:iam::111111111111:user/deploy',
    'arn:aws:sts::111111111111:assumed-role/deploy/session',
    'arn:aws:iam:us-east-1:111111111111:role/deploy',
    'arn:aws:iam::111111111111:role/',
    'arn:aws:iam::111111111111:role/path/',
    'arn:aws:iam::111111111111:role//deploy',
    'arn:aws:iam::111111111111:role/de ploy',
    'arn:aws:iam::111111111111:role/de*ploy',
    `arn:aws:iam::111111111111:role/${'n'.repeat(65)}`,
    'arn:aws-xyz:iam::111111111111:role/deploy',
    'arn:aws:iam::111111111111:role/deploy\nx',
    'ARN:aws:iam::111111111111:role/deploy',
    'аrn:aws:iam::111111111111:role/deploy',
    'arn:aws:iam::１１１１１１１１１１１１:role/deploy',
    'deploy/path'
  ])('refuses %j', arn => {
    expectRefused(
      { 'role-to-assume': arn },
      'role-to-assume',
      /must be a role ARN like arn:aws:iam::123456789012:role\/NAME .*; got ".*"\.$/s
    )
  })

  test('quotes the refused value JSON-escaped and cut at 80 characters', () => {
    const arn = `arn:aws:iam::111111111111:role/${'x'.repeat(100)}\u001b`
    const error = expectRefused({ 'role-to-assume': arn }, 'role-to-assume', /role ARN/)
    expect(error.message).toContain(`got ${JSON.stringify(`${arn.slice(0, 80)}…`)}.`)
    expect(error.message).not.toContain('\u001b')
  })

  test('an ARN longer than 2048 characters is refused even if well formed', () => {
    const path = '/p'.repeat(1020)
    const arn = `arn:aws:iam::111111111111:role${path}/deploy`
    expect(arn.length).toBeGreaterThan(2048)
    expectRefused({ 'role-to-assume': arn }, 'role-to-assume', /must be a role ARN/)
  })

  test('an empty account only with sts-endpoint', () => {
    const arn = 'arn:aws:iam:::role/deploy'
    expectRefused(
      { 'role-to-assume': arn },
      'role-to-assume',
      /has no account ID; only STS-compatible servers \(sts-endpoint\) accept/
    )
    expect(roleOf({ 'role-to-assume': arn, 'sts-endpoint': 'http://localhost:9000' }).role).toEqual(
      { arn, partition: 'aws', accountId: '', name: 'deploy' }
    )
  })

  test.each([
    ['arn:aws-cn:iam::111111111111:role/deploy', 'us-east-1', 'aws-cn', 'aws'],
    ['arn:aws:iam::111111111111:role/deploy', 'cn-north-1', 'aws', 'aws-cn'],
    ['arn:aws-us-gov:iam::111111111111:role/deploy', 'us-east-1', 'aws-us-gov', 'aws'],
    ['arn:aws:iam::111111111111:role/deploy', 'us-gov-east-1', 'aws', 'aws-us-gov'],
    ['arn:aws-iso:iam::111111111111:role/deploy', 'us-isob-east-1', 'aws-iso', 'aws-iso-b']
  ])('refuses %s with region %s (partition mismatch)', (arn, region, partition, expected) => {
    expectRefused(
      { 'role-to-assume': arn, 'aws-region': region },
      'role-to-assume',
      new RegExp(
        `is in partition ${partition} but aws-region ${region} is in ${expected}; use a region of the role's partition\\.`
      )
    )
  })

  test('the partition is not matched against the region with sts-endpoint', () => {
    const arn = 'arn:aws-cn:iam::111111111111:role/deploy'
    expect(
      roleOf({ 'role-to-assume': arn, 'sts-endpoint': 'https://sts.example.test' }).role
    ).toMatchObject({ arn, partition: 'aws-cn' })
  })

  test('a bare role name with access keys is kept for resolution', () => {
    expect(roleOf({ 'role-to-assume': 'deploy' }).role).toEqual({ bareName: 'deploy' })
    expect(roleOf({ 'role-to-assume': 'Deploy+Role=1,a.b@c-d_e' }).role).toEqual({
      bareName: 'Deploy+Role=1,a.b@c-d_e'
    })
  })

  test.each([
    ['the environment', NO_KEYS],
    ['role chaining', { ...NO_KEYS, 'role-chaining': 'true' }]
  ])(
    'a bare role name with %s is kept for resolution, as configure-aws-credentials resolves it',
    (_, changes) => {
      expect(roleOf({ ...changes, 'role-to-assume': 'deploy' }).role).toEqual({
        bareName: 'deploy'
      })
    }
  )

  test.each([
    ['OIDC', NO_KEYS, OIDC_ENV],
    ['a token file', { ...NO_KEYS, 'web-identity-token-file': '/tmp/token' }, {}]
  ])('a bare role name with %s is refused', (_, changes, env) => {
    expectRefused(
      { ...changes, 'role-to-assume': 'deploy' },
      'role-to-assume',
      /is a bare role name; give the full ARN \(arn:aws:iam::ACCOUNT:role\/NAME\)\. A bare name is resolved in the account of the source credentials, and a web identity token \(OIDC or a token file\) has none\./,
      env
    )
  })

  test('neither a role nor keys: the ambient credentials are checked, even where OIDC is possible', () => {
    const plan = settings({ ...NO_KEYS, 'role-to-assume': null }, OIDC_ENV)
    expect(plan.role).toBeUndefined()
    expect(plan.profileRoles).toEqual([])
    expect(plan.source).toEqual({ kind: 'environment', chaining: false })
  })

  test('a token file without a role is refused', () => {
    expectRefused(
      { ...NO_KEYS, 'role-to-assume': null, 'web-identity-token-file': '/tmp/token' },
      'web-identity-token-file',
      /needs role-to-assume/
    )
  })

  test('role-chaining without role-to-assume is refused', () => {
    expectRefused(
      { 'role-to-assume': null, 'role-chaining': 'true' },
      'role-chaining',
      /needs role-to-assume: the role to assume from the current credentials\./
    )
  })
})
