/**
 * readSettings with inputs left empty and environment variables set, as workflows written for
 * configure-aws-credentials (translateEnvVariables) and the older docker action do: inputs win,
 * each variable fills only its input, errors name the variable, and no value is kept for the log.
 */
import { INPUT_VARIABLES } from '../../../src/runner/environment-inputs.js'
import { readSettings, type InputReader } from '../../../src/inputs/index.js'
import { InputError } from '../../../src/rules/input-error.js'
import type { Settings } from '../../../src/settings.js'
import { REPOSITORY_ONLY_CONTEXT } from '../../../test-support/github-context.js'

const ROLE = 'arn:aws:iam::111111111111:role/deploy'
const OTHER_ROLE = 'arn:aws:iam::111111111111:role/other'
const KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
}
const CONTEXT = REPOSITORY_ONLY_CONTEXT

function read(inputs: Record<string, string>, env: NodeJS.ProcessEnv): Settings {
  const reader: InputReader = {
    get: name => (inputs[name] ?? '').trim(),
    raw: name => inputs[name] ?? ''
  }
  return readSettings(reader, { AWS_REGION: 'us-east-1', ...env }, CONTEXT)
}

function refusal(inputs: Record<string, string>, env: NodeJS.ProcessEnv): InputError {
  try {
    read(inputs, env)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an InputError')
}

test('the seed workflow’s variables (older docker action): ROLE_ARN, ROLE_SESSION_NAME, DURATION_SECONDS, keys in the environment', () => {
  const plan = read(
    {},
    { ...KEYS, ROLE_ARN: ROLE, ROLE_SESSION_NAME: 'robot-session', DURATION_SECONDS: '900' }
  )
  expect(plan.role).toMatchObject({
    role: { arn: ROLE },
    sessionName: 'robot-session',
    durationSeconds: 900
  })
  expect(plan.source).toEqual({ kind: 'environment', chaining: false })
  expect(plan.inputsFromEnvironment).toEqual([
    { input: 'aws-region', variable: 'AWS_REGION' },
    { input: 'role-to-assume', variable: 'ROLE_ARN' },
    { input: 'role-duration-seconds', variable: 'DURATION_SECONDS' },
    { input: 'role-session-name', variable: 'ROLE_SESSION_NAME' }
  ])
})

test('DURATION_SECONDS: 120 is refused before any call, naming the variable and STS’s 900-second minimum', () => {
  const error = refusal({}, { ...KEYS, ROLE_ARN: ROLE, DURATION_SECONDS: '120' })
  expect(error.input).toBe('role-duration-seconds')
  expect(error.message).toBe(
    "Input 'role-duration-seconds' (from the environment variable DURATION_SECONDS) is 120 seconds, shorter than STS allows: AssumeRole and AssumeRoleWithWebIdentity refuse DurationSeconds below 900 (15 minutes) with a ValidationError. Use 900 or more (at most 43200)."
  )
})

test('inputs win over variables; configure-aws-credentials’ names win over the docker action’s', () => {
  expect(
    read({ 'role-to-assume': ROLE }, { ROLE_TO_ASSUME: OTHER_ROLE, ...KEYS }).role?.role
  ).toEqual(expect.objectContaining({ arn: ROLE }))
  const plan = read({}, { ROLE_TO_ASSUME: ROLE, ROLE_ARN: OTHER_ROLE, ...KEYS })
  expect(plan.role?.role).toEqual(expect.objectContaining({ arn: ROLE }))
  expect(plan.inputsFromEnvironment).toEqual([
    { input: 'aws-region', variable: 'AWS_REGION' },
    { input: 'role-to-assume', variable: 'ROLE_TO_ASSUME' }
  ])
  expect(
    read({}, { ROLE_ARN: ROLE, ROLE_DURATION_SECONDS: '1800', DURATION_SECONDS: '120', ...KEYS })
      .role?.durationSeconds
  ).toBe(1800)
})

test('an input given as blanks counts as empty, as @actions/core trims it', () => {
  expect(
    read({ 'role-session-name': '  ' }, { ROLE_ARN: ROLE, ROLE_SESSION_NAME: 'from-env', ...KEYS })
      .role?.sessionName
  ).toBe('from-env')
})

test('without any variable the plan is the inputs’ alone, and nothing is listed', () => {
  const plan = read({ 'role-to-assume': ROLE, 'aws-region': 'us-east-1' }, KEYS)
  expect(plan.inputsFromEnvironment).toEqual([])
  expect(plan.role?.sessionName).toBe('GitHubActions')
  expect(plan.role?.durationSeconds).toBe(3600)
})

test.each([
  ['ROLE_CHAINING', 'true', (s: Settings) => s.source],
  ['MASK_AWS_ACCOUNT_ID', 'true', (s: Settings) => s.maskAccountId],
  ['OUTPUT_CREDENTIALS', 'true', (s: Settings) => s.outputCredentials],
  ['UNSET_CURRENT_CREDENTIALS', 'true', (s: Settings) => s.unsetCurrentCredentials],
  ['DISABLE_RETRY', 'true', (s: Settings) => s.retry.maxAttempts],
  ['RETRY_MAX_ATTEMPTS', '3', (s: Settings) => s.retry.maxAttempts],
  ['SPECIAL_CHARACTERS_WORKAROUND', 'true', (s: Settings) => s.specialCharactersWorkaround],
  ['USE_EXISTING_CREDENTIALS', 'true', (s: Settings) => s.useExistingCredentials],
  ['OVERWRITE_AWS_PROFILE', 'true', (s: Settings) => s.overwriteProfiles],
  ['ROLE_SKIP_SESSION_TAGGING', 'true', (s: Settings) => s.role?.tags],
  ['ROLE_EXTERNAL_ID', 'ext-id-12345', (s: Settings) => s.role?.externalId],
  ['TRANSITIVE_TAG_KEYS', 'Repository', (s: Settings) => s.role?.transitiveTagKeys],
  [
    'INLINE_SESSION_POLICY',
    '{"Version":"2012-10-17","Statement":[]}',
    (s: Settings) => s.role?.inlinePolicy
  ],
  [
    'MANAGED_SESSION_POLICIES',
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
    (s: Settings) => s.role?.managedPolicies
  ]
])('%s fills its input and changes the plan', (variable, value, pick) => {
  const base = { ROLE_TO_ASSUME: ROLE, ...KEYS }
  const without = read({}, base)
  const withVariable = read({}, { ...base, [variable]: value })
  expect(pick(withVariable)).not.toEqual(pick(without))
  const input = Object.entries(INPUT_VARIABLES).find(([, names]) => names.includes(variable))?.[0]
  expect(withVariable.inputsFromEnvironment).toContainEqual({ input, variable })
})

test('AUDIENCE and WEB_IDENTITY_TOKEN_FILE reach the web identity plan', () => {
  const oidc = {
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token-value'
  }
  expect(read({}, { ROLE_TO_ASSUME: ROLE, AUDIENCE: 'sigstore', ...oidc }).source).toMatchObject({
    kind: 'github-oidc',
    audience: 'sigstore'
  })
  expect(
    read({}, { ROLE_TO_ASSUME: ROLE, WEB_IDENTITY_TOKEN_FILE: '/var/run/token' }).source
  ).toEqual({
    kind: 'token-file',
    path: '/var/run/token'
  })
})

test('a variable’s bad value is refused like the input’s, naming the variable and never echoing a long value', () => {
  const error = refusal({}, { ROLE_TO_ASSUME: ROLE, ...KEYS, RETRY_MAX_ATTEMPTS: '1e3' })
  expect(error.message).toMatch(
    /^Input 'retry-max-attempts' \(from the environment variable RETRY_MAX_ATTEMPTS\) must be a whole number/
  )
  const bool = refusal({}, { ROLE_TO_ASSUME: ROLE, ...KEYS, ROLE_CHAINING: 'yes' })
  expect(bool.message).toMatch(
    /\(from the environment variable ROLE_CHAINING\) must be true or false/
  )
})

test('every variable configure-aws-credentials translates is honoured (22 names)', () => {
  const table = Object.values(INPUT_VARIABLES).flat()
  // inputs/network.ts reads these itself, with the same precedence (HTTPS_PROXY over HTTP_PROXY).
  const readElsewhere = ['HTTP_PROXY', 'NO_PROXY']
  const configureAwsCredentials = [
    'AWS_REGION',
    'ROLE_TO_ASSUME',
    'WEB_IDENTITY_TOKEN_FILE',
    'ROLE_CHAINING',
    'AUDIENCE',
    'HTTP_PROXY',
    'MASK_AWS_ACCOUNT_ID',
    'ROLE_DURATION_SECONDS',
    'ROLE_EXTERNAL_ID',
    'ROLE_SESSION_NAME',
    'ROLE_SKIP_SESSION_TAGGING',
    'TRANSITIVE_TAG_KEYS',
    'INLINE_SESSION_POLICY',
    'MANAGED_SESSION_POLICIES',
    'OUTPUT_CREDENTIALS',
    'UNSET_CURRENT_CREDENTIALS',
    'DISABLE_RETRY',
    'RETRY_MAX_ATTEMPTS',
    'SPECIAL_CHARACTERS_WORKAROUND',
    'USE_EXISTING_CREDENTIALS',
    'NO_PROXY',
    'OVERWRITE_AWS_PROFILE'
  ]
  expect(configureAwsCredentials).toHaveLength(22)
  for (const name of configureAwsCredentials) {
    expect({ name, honoured: table.includes(name) || readElsewhere.includes(name) }).toEqual({
      name,
      honoured: true
    })
  }
  const proxy = read(
    { 'role-to-assume': ROLE },
    {
      ...KEYS,
      HTTP_PROXY: 'http://127.0.0.1:3128',
      HTTPS_PROXY: 'http://127.0.0.1:8080',
      NO_PROXY: 'internal.example'
    }
  )
  expect(proxy.proxy).toEqual({
    url: 'http://127.0.0.1:8080',
    noProxy: 'internal.example',
    fromInput: false
  })
})

test('a region from AWS_REGION or AWS_DEFAULT_REGION is logged and blamed by name', () => {
  expect(read({ 'role-to-assume': ROLE }, { ...KEYS }).inputsFromEnvironment[0]).toEqual({
    input: 'aws-region',
    variable: 'AWS_REGION'
  })
  const error = refusal(
    { 'role-to-assume': ROLE },
    { ...KEYS, AWS_REGION: '', AWS_DEFAULT_REGION: 'US-EAST-1' }
  )
  expect(error.message).toMatch(
    /^Input 'aws-region' \(from the environment variable AWS_DEFAULT_REGION\) .*got "US-EAST-1"/
  )
})
