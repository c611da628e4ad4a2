/**
 * aws-region through readSettings (src/rules/region.ts): region shapes, partitions, AWS_REGION and
 * AWS_DEFAULT_REGION.
 */
import { describe, expect, test } from '@jest/globals'
import { settings, expectRefused, escapeRegExp } from '../../../test-support/read-settings.js'

describe('aws-region', () => {
  test('the input wins over AWS_REGION and AWS_DEFAULT_REGION', () => {
    expect(
      settings(
        { 'aws-region': 'eu-west-1' },
        { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' }
      ).region
    ).toBe('eu-west-1')
  })

  test('without the input, AWS_REGION, then AWS_DEFAULT_REGION', () => {
    const noRegion = { 'aws-region': null }
    expect(
      settings(noRegion, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' }).region
    ).toBe('us-west-2')
    expect(settings(noRegion, { AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('ap-south-1')
    expect(settings({ 'aws-region': '   ' }, { AWS_REGION: 'us-west-2' }).region).toBe('us-west-2')
  })

  test('required when neither the input nor the environment gives one', () => {
    expectRefused(
      { 'aws-region': null },
      'aws-region',
      /is required \(or set AWS_REGION or AWS_DEFAULT_REGION\), e\.g\. us-east-1\./
    )
    expectRefused({ 'aws-region': '' }, 'aws-region', /is required/, { AWS_REGION: '' })
  })

  test('a region from the environment is held to the same shape, and blamed on aws-region', () => {
    expectRefused({ 'aws-region': null }, 'aws-region', /got "US-EAST-1"/, {
      AWS_REGION: 'US-EAST-1'
    })
  })

  test('surrounding blanks are trimmed', () => {
    expect(settings({ 'aws-region': '  eu-west-1\n' }).region).toBe('eu-west-1')
  })

  test.each([
    'us-east-1',
    'eu-west-3',
    'ap-southeast-2',
    'me-central-1',
    'il-central-1',
    'ca-west-1',
    'mx-central-1',
    'us-gov-west-1',
    'cn-north-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'us-isof-south-1',
    'eusc-de-east-1'
  ])('accepts %s', region => {
    expect(settings({ 'aws-region': region, 'role-to-assume': null }).region).toBe(region)
  })

  test.each([
    'US-EAST-1',
    'us-east',
    'useast1',
    'us-east-1a',
    'us_east_1',
    'us-east-123',
    'us east 1',
    'default',
    'u-east-1',
    'us-east-1.',
    'us-east-1/x',
    'us-еast-1'
  ])('refuses %j', region => {
    expectRefused(
      { 'aws-region': region, 'role-to-assume': null },
      'aws-region',
      new RegExp(
        `must be an AWS region like us-east-1; got ${escapeRegExp(JSON.stringify(region))}\\.$`
      )
    )
  })

  test.each(['default', 'garage', 'US_EAST', 'minio-1', 'a'.repeat(64)])(
    'accepts the custom name %j only with sts-endpoint',
    region => {
      const endpoint = { 'sts-endpoint': 'http://localhost:9000' }
      expect(settings({ 'aws-region': region, ...endpoint }).region).toBe(region)
      expectRefused({ 'aws-region': region }, 'aws-region', /must be an AWS region/)
    }
  )

  test.each(['a b', 'x/y', 'region.1', 'a'.repeat(65), 'caf\u00e9', 'x:y'])(
    'refuses the custom name %j even with sts-endpoint',
    region => {
      expectRefused(
        { 'aws-region': region, 'sts-endpoint': 'http://localhost:9000' },
        'aws-region',
        /must be an AWS region/
      )
    }
  )
})
