/**
 * The boolean inputs through readSettings (src/rules/boolean.ts): true or false in any case, nothing
 * else.
 */
import { describe, expect, test } from '@jest/globals'
import type { Settings } from '../../../src/settings.js'
import {
  NO_KEYS,
  OIDC_ENV,
  settings,
  expectRefused,
  escapeRegExp,
  type Changes
} from '../../../test-support/read-settings.js'

describe('booleans', () => {
  /** How each boolean shows in the plan, and the inputs that make it observable. */
  const BOOLEANS: Array<{
    input: string
    fallback: boolean
    changes?: Changes
    env?: NodeJS.ProcessEnv
    read: (s: Settings) => boolean
  }> = [
    {
      input: 'role-chaining',
      fallback: false,
      changes: NO_KEYS,
      read: s => s.source.kind === 'environment' && s.source.chaining
    },
    {
      input: 'force-skip-oidc',
      fallback: false,
      changes: NO_KEYS,
      env: OIDC_ENV,
      read: s => s.source.kind === 'environment'
    },
    {
      input: 'role-skip-session-tagging',
      fallback: false,
      read: s => s.role?.tags.length === 0
    },
    { input: 'mask-aws-account-id', fallback: false, read: s => s.maskAccountId },
    { input: 'output-credentials', fallback: false, read: s => s.outputCredentials },
    { input: 'output-env-credentials', fallback: true, read: s => s.outputEnvCredentials },
    { input: 'unset-current-credentials', fallback: false, read: s => s.unsetCurrentCredentials },
    { input: 'disable-retry', fallback: false, read: s => s.retry.maxAttempts === 1 },
    {
      input: 'special-characters-workaround',
      fallback: false,
      read: s => s.specialCharactersWorkaround
    },
    { input: 'use-existing-credentials', fallback: false, read: s => s.useExistingCredentials },
    {
      input: 'overwrite-aws-profile',
      fallback: false,
      changes: { 'aws-profile': 'deploy' },
      read: s => s.overwriteProfiles
    },
    {
      input: 'refresh-credentials',
      fallback: false,
      changes: { 'aws-profile': 'deploy' },
      read: s => s.refreshCredentials
    }
  ]
  const ACCEPTED: Array<[string, boolean]> = [
    ['true', true],
    ['TRUE', true],
    ['True', true],
    [' true\n', true],
    ['false', false],
    ['FALSE', false],
    ['fAlSe', false]
  ]
  const cases = BOOLEANS.flatMap(spec =>
    ACCEPTED.map(([value, parsed]) => [spec.input, value, parsed, spec] as const)
  )

  test.each(cases)('%s accepts %j as %s', (input, value, parsed, spec) => {
    expect(spec.read(settings({ ...spec.changes, [input]: value }, spec.env))).toBe(parsed)
  })

  test.each(BOOLEANS.map(spec => [spec.input, spec.fallback, spec] as const))(
    '%s defaults to %s',
    (input, fallback, spec) => {
      expect(spec.read(settings({ ...spec.changes, [input]: '' }, spec.env))).toBe(fallback)
    }
  )

  const REFUSED = ['yes', '1', '0', 'no', 'on', 'y', 'true1', 'tru e', 'ｔｒｕｅ']
  test.each(BOOLEANS.flatMap(spec => REFUSED.map(value => [spec.input, value, spec] as const)))(
    '%s refuses %j',
    (input, value, spec) => {
      expectRefused(
        { ...spec.changes, [input]: value },
        input,
        new RegExp(`must be true or false; got ${escapeRegExp(JSON.stringify(value))}\\.$`),
        spec.env
      )
    }
  )
})
