/**
 * The source key inputs through readSettings (src/rules/credentials.ts): their shape, and secrets
 * that never appear in a message.
 */
import { describe, expect, test } from '@jest/globals'
import {
  NO_KEYS,
  KEY_ID,
  SECRET,
  TOKEN,
  settings,
  expectRefused,
  expectNotShown
} from '../../../test-support/read-settings.js'

describe('access keys', () => {
  test('a session token joins the keys; surrounding blanks are trimmed', () => {
    expect(
      settings({
        'aws-access-key-id': `  ${KEY_ID}\n`,
        'aws-secret-access-key': `\t${SECRET} `,
        'aws-session-token': ` ${TOKEN}\n`
      }).source
    ).toEqual({
      kind: 'access-keys',
      keys: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN }
    })
  })

  test('a secret without a key ID', () => {
    const error = expectRefused(
      { 'aws-access-key-id': null },
      'aws-access-key-id',
      /is required when aws-secret-access-key is given\./
    )
    expectNotShown(error, SECRET)
  })

  test('a key ID without a secret', () => {
    expectRefused(
      { 'aws-secret-access-key': null },
      'aws-secret-access-key',
      /is required when aws-access-key-id is given\./
    )
    expectRefused({ 'aws-secret-access-key': '  \n ' }, 'aws-secret-access-key', /is required/)
  })

  test('a session token without keys', () => {
    const error = expectRefused(
      { ...NO_KEYS, 'aws-session-token': TOKEN },
      'aws-session-token',
      /needs aws-access-key-id and aws-secret-access-key\./
    )
    expectNotShown(error, TOKEN)
  })

  test.each([
    ['aws-secret-access-key', 'wJalrXUtnFEMI/K7MDENG\n/bPxRfiCYEXAMPLEKEY'],
    ['aws-secret-access-key', 'wJalrXUtnFEMI/K7MDENG /bPxRfiCYEXAMPLEKEY'],
    ['aws-secret-access-key', 'wJalrXUtnFEMI/K7MDENG\u0000/bPxRfiCYEXAMPLEKEY'],
    ['aws-secret-access-key', 'wJalrXUtnFEMI/K7MDENG\u2028/bPxRfiCYEXAMPLEKEY'],
    ['aws-session-token', 'FwoGZXIvYXdzEJr//////////\r\nwEaDExampleSessionToken'],
    ['aws-access-key-id', 'AKIAIOSFODNN7 EXAMPLE'],
    ['aws-access-key-id', 'AKIAIOSFODNN7\u007fEXAMPLE']
  ])('%s with a pasted space, line break or control character: %j', (input, value) => {
    const error = expectRefused(
      { [input]: value },
      input,
      /contains spaces, line breaks or control characters \(often pasted with the secret by mistake; value not shown\)\./
    )
    expectNotShown(error, value)
  })

  test.each([
    ['aws-access-key-id', 128],
    ['aws-secret-access-key', 256],
    ['aws-session-token', 8192]
  ])('%s is at most %d characters', (input, max) => {
    const long = 'K'.repeat(max)
    expect(() => settings({ [input]: long })).not.toThrow()
    const error = expectRefused(
      { [input]: `${long}K` },
      input,
      new RegExp(`is longer than ${max} characters \\(value not shown\\)\\.`)
    )
    expectNotShown(error, `${long}K`)
  })
})
