/**
 * readSettings(reader, env, context) with the unit tests' base inputs (access keys and a role in
 * us-east-1), changed one input at a time, and the checks every refusal must pass: an InputError
 * that names the input and states the rule, never showing a secret's value.
 */
import { expect } from '@jest/globals'
import type { RunContext } from '../src/runner/github-context.js'
import { readSettings, type InputReader } from '../src/inputs/index.js'
import { InputError } from '../src/rules/input-error.js'
import type { RoleRequest, Settings } from '../src/settings.js'
import { PULL_REQUEST_CONTEXT, PULL_REQUEST_TAGS } from './github-context.js'

export type Changes = Record<string, string | null>

export const ROLE = 'arn:aws:iam::111111111111:role/deploy'
export const KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
export const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
export const TOKEN = 'FwoGZXIvYXdzEJr//////////wEaDExampleSessionToken'
export const BASE: Readonly<Record<string, string>> = {
  'aws-region': 'us-east-1',
  'role-to-assume': ROLE,
  'aws-access-key-id': KEY_ID,
  'aws-secret-access-key': SECRET
}
export const NO_KEYS: Changes = { 'aws-access-key-id': null, 'aws-secret-access-key': null }
export const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example.test/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token-value'
}
/** The run readSettings sees: a pull request, so that all 13 GitHub context tags are set. */
export const CONTEXT: RunContext = PULL_REQUEST_CONTEXT
export const CONTEXT_TAGS = PULL_REQUEST_TAGS
/** The action's own tag keys (configure-aws-credentials v6.2.3's PROTECTED_TAG_KEYS). */
export const OWN_KEYS = CONTEXT_TAGS.map(tag => tag.Key)

export function inputsOf(changes: Changes): Record<string, string> {
  const inputs: Record<string, string> = { ...BASE }
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) Reflect.deleteProperty(inputs, name)
    else inputs[name] = value
  }
  return inputs
}

export function readerOf(inputs: Record<string, string>): InputReader {
  return { get: n => (inputs[n] ?? '').trim(), raw: n => inputs[n] ?? '' }
}

export function settings(
  changes: Changes = {},
  env: NodeJS.ProcessEnv = {},
  context: RunContext = CONTEXT
): Settings {
  return readSettings(readerOf(inputsOf(changes)), env, context)
}

export function roleOf(
  changes: Changes = {},
  env: NodeJS.ProcessEnv = {},
  context = CONTEXT
): RoleRequest {
  const { role } = settings(changes, env, context)
  if (!role) throw new Error('expected a role request')
  return role
}

/** The InputError readSettings throws for these inputs; fails the test if it accepts them. */
export function refusal(
  changes: Changes,
  env: NodeJS.ProcessEnv = {},
  context = CONTEXT
): InputError {
  let thrown: unknown
  try {
    settings(changes, env, context)
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(InputError)
  return thrown as InputError
}

/** Asserts the refusal names `input` and states `rule`; returns it for more checks. */
export function expectRefused(
  changes: Changes,
  input: string,
  rule: RegExp,
  env: NodeJS.ProcessEnv = {},
  context = CONTEXT
): InputError {
  const error = refusal(changes, env, context)
  expect(error.input).toBe(input)
  expect(error.name).toBe('InputError')
  expect(error.message.startsWith(`Input '${input}' `)).toBe(true)
  expect(error.message).toMatch(rule)
  return error
}

/** The secret and each piece a pasted space or line break splits it into. */
export function expectNotShown(error: InputError, secret: string): void {
  // eslint-disable-next-line no-control-regex -- a pasted control character splits a secret too
  const pieces = secret.split(/[\s\u0000-\u001f\u007f]+/).filter(part => part.length >= 4)
  for (const piece of [secret, ...pieces]) {
    expect(error.message).not.toContain(piece)
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
