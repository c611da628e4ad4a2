/**
 * Session policies through readSettings (src/rules/policies.ts): inline-session-policy and
 * managed-session-policies.
 */
import { describe, expect, test } from '@jest/globals'
import { roleOf, expectRefused, escapeRegExp } from '../../../test-support/read-settings.js'

describe('inline-session-policy', () => {
  const policyOf = (text: string): string | undefined =>
    roleOf({ 'inline-session-policy': text }).inlinePolicy

  test('is minified', () => {
    const pretty = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]
      },
      null,
      4
    )
    expect(policyOf(pretty)).toBe(JSON.stringify(JSON.parse(pretty)))
    expect(policyOf('{ "Statement" : [ ] }')).toBe('{"Statement":[]}')
  })

  test('absent by default', () => {
    expect(policyOf('')).toBeUndefined()
  })

  /** A policy whose minified text is exactly `length` characters. */
  const policyOfLength = (length: number): string => {
    const text = JSON.stringify({ Statement: [], Sid: '' })
    return JSON.stringify({ Statement: [], Sid: 'x'.repeat(length - text.length) })
  }

  test('at most 2048 characters once minified (what STS counts)', () => {
    expect(policyOf(policyOfLength(2048))).toHaveLength(2048)
    const padded = JSON.stringify(JSON.parse(policyOfLength(2048)), null, 40)
    expect(padded.length).toBeGreaterThan(2048)
    expect(policyOf(padded)).toHaveLength(2048)
    expectRefused(
      { 'inline-session-policy': policyOfLength(2049) },
      'inline-session-policy',
      /is 2049 characters once minified; STS allows at most 2048\.$/
    )
  })

  test("Latin-1 letters pass; other characters are refused, as STS's policy pattern says", () => {
    // botocore's STS model, sessionPolicyDocumentType: [\u0009\u000A\u000D\u0020-\u00FF]+
    expect(policyOf('{"Statement":[],"Sid":"données"}')).toBe('{"Statement":[],"Sid":"données"}')
    for (const [text, point] of [
      ['{"Statement":[],"Sid":"日本"}', 'U+65E5'],
      ['{"Statement":[],"Sid":"a→b"}', 'U+2192'],
      ['{"Statement":[],"Sid":"🚀"}', 'U+1F680']
    ]) {
      expectRefused(
        { 'inline-session-policy': text ?? '' },
        'inline-session-policy',
        new RegExp(
          `has the character ${escapeRegExp(point ?? '')}; STS accepts only tab, line breaks and U\\+0020 to U\\+00FF in session policies\\.$`
        )
      )
    }
  })

  test.each(['{', 'Statement', '{"Statement":[],}'])('refuses %j (not JSON)', text => {
    expectRefused(
      { 'inline-session-policy': text },
      'inline-session-policy',
      /must be an IAM policy document in JSON; it is not valid JSON\.$/
    )
  })

  test.each(['[]', '"x"', 'null', '1', '[{"Statement":[]}]'])(
    'refuses %s (not an object)',
    text => {
      expectRefused(
        { 'inline-session-policy': text },
        'inline-session-policy',
        /must be an IAM policy document \(a JSON object with "Statement"\)\.$/
      )
    }
  )

  test('refuses an object without Statement', () => {
    expectRefused(
      { 'inline-session-policy': '{"Version":"2012-10-17"}' },
      'inline-session-policy',
      /must be an IAM policy document; it has no "Statement"\.$/
    )
  })
})

// -------------------------------------------------------------------------------------------------

describe('managed-session-policies', () => {
  const arns = (count: number): string[] =>
    Array.from({ length: count }, (_, i) => `arn:aws:iam::111111111111:policy/team/Policy${i}`)

  test('one per line or comma-separated, AWS-managed or customer-managed', () => {
    expect(
      roleOf({
        'managed-session-policies':
          'arn:aws:iam::aws:policy/ReadOnlyAccess\n arn:aws:iam::111111111111:policy/team/Deploy ,arn:aws-cn:iam::aws:policy/X\n'
      }).managedPolicies
    ).toEqual([
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:iam::111111111111:policy/team/Deploy',
      'arn:aws-cn:iam::aws:policy/X'
    ])
  })

  test('none by default', () => {
    expect(roleOf().managedPolicies).toEqual([])
  })

  test('at most 10', () => {
    expect(
      roleOf({ 'managed-session-policies': arns(10).join('\n') }).managedPolicies
    ).toHaveLength(10)
    expectRefused(
      { 'managed-session-policies': arns(11).join('\n') },
      'managed-session-policies',
      /lists 11 policies; STS allows at most 10\.$/
    )
  })

  test.each([
    'ReadOnlyAccess',
    'arn:aws:iam::111111111111:role/deploy',
    'arn:aws:iam::aws:policy/',
    'arn:aws:iam::11111111111:policy/x',
    'arn:aws:iam::aws:policy/Read Only',
    'arn:aws:iam::aws:policy/Read#Only'
  ])('refuses %j', arn => {
    expectRefused(
      { 'managed-session-policies': `arn:aws:iam::aws:policy/ReadOnlyAccess\n${arn}` },
      'managed-session-policies',
      new RegExp(
        `must hold managed policy ARNs like arn:aws:iam::aws:policy/ReadOnlyAccess; got ${escapeRegExp(JSON.stringify(arn))}\\.$`
      )
    )
  })
})
