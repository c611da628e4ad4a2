/**
 * The whole-number inputs through readSettings (src/rules/whole-number.ts): role-duration-seconds,
 * retry-max-attempts and action-timeout-s, digits only and within range.
 */
import { describe, expect, test } from '@jest/globals'
import {
  NO_KEYS,
  settings,
  roleOf,
  expectRefused,
  escapeRegExp
} from '../../../test-support/read-settings.js'

describe('role-duration-seconds', () => {
  test.each([
    ['900', 900],
    ['3600', 3600],
    ['43200', 43200],
    ['0900', 900]
  ])('accepts %j', (value, seconds) => {
    expect(roleOf({ 'role-duration-seconds': value }).durationSeconds).toBe(seconds)
  })

  test('defaults to 3600', () => {
    expect(roleOf({ 'role-duration-seconds': '' }).durationSeconds).toBe(3600)
  })

  test.each(['899', '120', '0'])('refuses %s, explaining STS’s 900-second minimum', value => {
    expectRefused(
      { 'role-duration-seconds': value },
      'role-duration-seconds',
      new RegExp(
        `is ${Number(value)} seconds, shorter than STS allows: .*DurationSeconds below 900 \\(15 minutes\\).*Use 900 or more`
      )
    )
  })

  test.each(['43201', '999999999'])('refuses %s (out of range)', value => {
    expectRefused(
      { 'role-duration-seconds': value },
      'role-duration-seconds',
      new RegExp(`must be a whole number from 900 to 43200 seconds; got ${Number(value)}\\.$`)
    )
  })

  test.each([
    ' 900',
    '900 ',
    '9 00',
    '\t900',
    '900\n',
    '1e3',
    '-0',
    '0x384',
    '+900',
    '900.0',
    '９００',
    '1000000000',
    'abc'
  ])('refuses %j (not plain digits)', value => {
    expectRefused(
      { 'role-duration-seconds': value },
      'role-duration-seconds',
      new RegExp(
        `must be a whole number from 900 to 43200 seconds, written with digits only; got ${escapeRegExp(JSON.stringify(value))}\\.$`
      )
    )
  })

  test('role chaining caps it at 3600', () => {
    const chaining = { ...NO_KEYS, 'role-chaining': 'true' }
    expect(roleOf({ ...chaining, 'role-duration-seconds': '3600' }).durationSeconds).toBe(3600)
    expect(roleOf(chaining).durationSeconds).toBe(3600)
    expectRefused(
      { ...chaining, 'role-duration-seconds': '3601' },
      'role-duration-seconds',
      /must be a whole number from 900 to 3600 seconds \(role chaining caps sessions at one hour\); got 3601\.$/
    )
  })
})

// -------------------------------------------------------------------------------------------------

describe('retries and the timeout', () => {
  test.each([
    ['', 12],
    ['1', 1],
    ['7', 7],
    ['100', 100]
  ])('retry-max-attempts %j gives %d attempts', (value, attempts) => {
    expect(settings({ 'retry-max-attempts': value }).retry.maxAttempts).toBe(attempts)
  })

  test.each(['0', '101'])('retry-max-attempts refuses %s', value => {
    expectRefused(
      { 'retry-max-attempts': value },
      'retry-max-attempts',
      new RegExp(`must be a whole number from 1 to 100; got ${value}\\.$`)
    )
  })

  test.each([' 5', '5 ', '1e1', '5.0', '-1', '0x5'])('retry-max-attempts refuses %j', value => {
    expectRefused(
      { 'retry-max-attempts': value },
      'retry-max-attempts',
      /must be a whole number from 1 to 100, written with digits only; got ".*"\.$/s
    )
  })

  test('disable-retry makes one attempt, whatever retry-max-attempts says', () => {
    expect(settings({ 'disable-retry': 'true' }).retry.maxAttempts).toBe(1)
    expect(
      settings({ 'disable-retry': 'true', 'retry-max-attempts': '50' }).retry.maxAttempts
    ).toBe(1)
    expect(
      settings({ 'disable-retry': 'false', 'retry-max-attempts': '50' }).retry.maxAttempts
    ).toBe(50)
  })

  test.each([
    ['', undefined],
    ['0', undefined],
    ['1', 1000],
    ['30', 30_000],
    ['21600', 21_600_000]
  ])('action-timeout-s %j gives %s ms', (value, ms) => {
    expect(settings({ 'action-timeout-s': value }).retry.actionTimeoutMs).toBe(ms)
  })

  test('action-timeout-s refuses more than 6 hours', () => {
    expectRefused(
      { 'action-timeout-s': '21601' },
      'action-timeout-s',
      /must be a whole number from 0 to 21600 seconds; got 21601\.$/
    )
  })

  test.each(['-1', '1.5', ' 30', '30s', '1e2', ' '])('action-timeout-s refuses %j', value => {
    expectRefused(
      { 'action-timeout-s': value },
      'action-timeout-s',
      /must be a whole number from 0 to 21600 seconds, written with digits only/
    )
  })
})
