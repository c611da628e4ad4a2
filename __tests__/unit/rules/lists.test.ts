/**
 * List inputs through readSettings (src/rules/lists.ts): allowed-account-ids.
 */
import { describe, expect, test } from '@jest/globals'
import { settings, expectRefused, escapeRegExp } from '../../../test-support/read-settings.js'

describe('allowed-account-ids', () => {
  test.each([
    ['111111111111', ['111111111111']],
    ['111111111111,222222222222', ['111111111111', '222222222222']],
    ['111111111111\n222222222222\n', ['111111111111', '222222222222']],
    [
      ' 111111111111 , 222222222222 ,\n333333333333',
      ['111111111111', '222222222222', '333333333333']
    ],
    ['', []]
  ])('accepts %j', (value, ids) => {
    expect(settings({ 'allowed-account-ids': value }).allowedAccountIds).toEqual(ids)
  })

  test.each([
    '11111111111',
    '1111111111111',
    'abcdefghijkl',
    '1111 1111 1111',
    '111111111111;222222222222',
    '１１１１１１１１１１１１',
    '-11111111111'
  ])('refuses %j', value => {
    expectRefused(
      { 'allowed-account-ids': `000000000000,${value}` },
      'allowed-account-ids',
      new RegExp(
        `must list 12-digit account IDs; ${escapeRegExp(JSON.stringify(value))} is not one\\.$`
      )
    )
  })
})
