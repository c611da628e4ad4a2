/**
 * The case tables of hostile-input.test.ts: inputs that work, and each hostile value that spoils
 * exactly one of them, with the input its one ::error must name and the rule it must state.
 */
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const ROLE = 'arn:aws:iam::111111111111:role/deploy'
export const BASE: Readonly<Record<string, string>> = {
  'aws-region': 'us-east-1',
  'role-to-assume': ROLE,
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': SECRET
}
export const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example.test/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token-value'
}
/** What a successful AssumeRole answers: if a hostile value got through, this would be exported. */
export const ASSUMED = {
  Credentials: {
    AccessKeyId: 'ASIATEMPORARYKEY0001',
    SecretAccessKey: 'tempSecretKey/With+Special0123456789abcd',
    SessionToken: 'FwoGZXIvYXdzEJr//////////wEaDTemporarySessionToken',
    Expiration: new Date('2030-01-01T00:00:00Z')
  },
  AssumedRoleUser: {
    Arn: 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions',
    AssumedRoleId: 'AROAEXAMPLE:GitHubActions'
  }
}
const POLICY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
const BOOLEANS = [
  'role-chaining',
  'force-skip-oidc',
  'role-skip-session-tagging',
  'mask-aws-account-id',
  'output-credentials',
  'output-env-credentials',
  'unset-current-credentials',
  'disable-retry',
  'special-characters-workaround',
  'use-existing-credentials',
  'refresh-credentials',
  'overwrite-aws-profile'
]
/** Inputs a boolean is read only with. */
const BOOLEAN_NEEDS: Record<string, Record<string, string>> = {
  'overwrite-aws-profile': { 'aws-profile': 'deploy' }
}

export interface HostileCase {
  title: string
  /** Changes to BASE; null removes the input. */
  inputs: Record<string, string | null>
  env?: Record<string, string>
  /** The input the one ::error must name. */
  input: string
  /** What its message must say: the rule, not another failure that happens to name the input. */
  rule: RegExp
  /** Values that must appear in no line at all (they are never masked because never echoed). */
  hidden?: string[]
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

/** Workflow-command sequences glued to an otherwise valid value. */
const INJECTIONS: Array<[string, (valid: string) => string]> = [
  ['newline + ::set-env', valid => `${valid}\n::set-env name=X::y`],
  ['%0A::add-mask::', valid => `${valid}%0A::add-mask::`],
  ['::stop-commands:: line first', valid => `::stop-commands::tok\n${valid}`],
  ['carriage return + ::set-output', valid => `${valid}\r::set-output name=x::y`]
]

/** Every string input, with a valid value and the rule its refusal states. */
const STRING_INPUTS: Array<{
  input: string
  valid: string
  rule: RegExp
  inputs?: Record<string, string | null>
  env?: Record<string, string>
  secret?: boolean
  /** Injections a legitimate value of this input may hold (AWS allows them). */
  skip?: string[]
}> = [
  { input: 'role-to-assume', valid: ROLE, rule: /must be a role ARN like/ },
  { input: 'role-session-name', valid: 'GitHubActions', rule: /must be 2 to 64 characters/ },
  {
    input: 'role-external-id',
    valid: 'ext-id-1234',
    rule: /must be 2 to 1224 characters .*\(value not shown\)/,
    secret: true
  },
  { input: 'aws-region', valid: 'us-east-1', rule: /must be an AWS region like us-east-1/ },
  { input: 'custom-tags', valid: '{"Team":"platform"}', rule: /not valid JSON/ },
  {
    input: 'transitive-tag-keys',
    valid: 'Repository',
    rule: /is not a tag key/,
    // `::set-env name=X::y` and `::stop-commands::tok` are well-formed tag keys naming no tag: they
    // are left out with a warning (e2e configure-aws-credentials-users.test.ts checks that line).
    skip: ['newline + ::set-env', '::stop-commands:: line first']
  },
  { input: 'inline-session-policy', valid: POLICY, rule: /not valid JSON/ },
  {
    input: 'managed-session-policies',
    valid: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    rule: /must hold managed policy ARNs/
  },
  { input: 'allowed-account-ids', valid: '111111111111', rule: /must list 12-digit account IDs/ },
  {
    input: 'sts-endpoint',
    valid: 'https://sts.us-east-1.amazonaws.com',
    rule: /must be an http:\/\/ or https:\/\/ URL/
  },
  {
    input: 'http-proxy',
    valid: 'https://proxy.internal:3128',
    rule: /must be an http:\/\/ or https:\/\/ URL/
  },
  {
    // A path: nothing in it is refused up front, but it is only read, never run or echoed raw.
    input: 'web-identity-token-file',
    valid: 'token-file',
    rule: /cannot be read/,
    inputs: { 'aws-access-key-id': null, 'aws-secret-access-key': null }
  },
  {
    // Only read when OIDC is the source; '%' and ':' are legal in an audience.
    input: 'audience',
    valid: 'sts.amazonaws.com',
    rule: /must be at most 255 characters without spaces/,
    inputs: { 'aws-access-key-id': null, 'aws-secret-access-key': null },
    env: OIDC_ENV,
    skip: ['%0A::add-mask::']
  },
  {
    input: 'aws-session-token',
    valid: 'FwoGZXIvYXdzEJr//////////wEaDExampleToken',
    rule: /contains spaces, line breaks or control characters .*value not shown/,
    secret: true,
    skip: ['%0A::add-mask::']
  },
  {
    // Becomes an INI section header: a line break would start a section of its own.
    input: 'aws-profile',
    valid: 'deploy',
    rule: /must name a profile with 1 to 64 letters, digits and _\.@\+-/
  },
  { input: 'source-identity', valid: 'octocat', rule: /must be 2 to 64 characters/ },
  {
    input: 'role-profiles',
    valid: 'prod=arn:aws:iam::222222222222:role/deploy',
    rule: /must start with PROFILE=ROLE_ARN|must be a role ARN|the options are region=/
  }
]

function injectionCases(): HostileCase[] {
  const cases: HostileCase[] = []
  for (const spec of STRING_INPUTS) {
    for (const [label, inject] of INJECTIONS) {
      if (spec.skip?.includes(label)) continue
      const value = inject(spec.valid)
      cases.push({
        title: `${spec.input}: ${label}`,
        inputs: { ...spec.inputs, [spec.input]: value },
        env: spec.env,
        input: spec.input,
        rule: spec.rule,
        hidden: spec.secret && spec.input !== 'aws-session-token' ? [value] : []
      })
    }
  }
  for (const input of BOOLEANS) {
    cases.push({
      title: `${input}: newline + ::set-env`,
      inputs: { ...BOOLEAN_NEEDS[input], [input]: 'true\n::set-env name=X::y' },
      input,
      rule: /must be true or false; got "true\\n::set-env/
    })
  }
  return cases
}

const BOOLEAN_WORDS: HostileCase[] = [
  ['role-chaining', 'yes'],
  ['output-env-credentials', '1'],
  ['mask-aws-account-id', 'on'],
  ['disable-retry', '%0A::add-mask::'],
  ['force-skip-oidc', '::stop-commands::tok']
].map(([input = '', value = '']) => ({
  title: `${input}: ${JSON.stringify(value)}`,
  inputs: { [input]: value },
  input,
  rule: /must be true or false/
}))

const DURATION_RULE = /must be a whole number from 900 to 43200 seconds, written with digits only/
const NUMBERS: HostileCase[] = [
  ...[
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
    '９００'
  ].map(value => ({
    title: `role-duration-seconds: ${JSON.stringify(value)}`,
    inputs: { 'role-duration-seconds': value },
    input: 'role-duration-seconds',
    rule: DURATION_RULE
  })),
  {
    title: 'role-duration-seconds: newline + ::set-env',
    inputs: { 'role-duration-seconds': '900\n::set-env name=X::y' },
    input: 'role-duration-seconds',
    rule: DURATION_RULE
  },
  ...['1e3', ' 5', '5\n::set-env name=X::y', '0x10'].map(value => ({
    title: `retry-max-attempts: ${JSON.stringify(value)}`,
    inputs: { 'retry-max-attempts': value },
    input: 'retry-max-attempts',
    rule: /must be a whole number from 1 to 100, written with digits only/
  })),
  ...['-0', '0x10', '٣٠', '30\r::set-output name=x::y'].map(value => ({
    title: `action-timeout-s: ${JSON.stringify(value)}`,
    inputs: { 'action-timeout-s': value },
    input: 'action-timeout-s',
    rule: /must be a whole number from 0 to 21600 seconds, written with digits only/
  }))
]

const ENV_FILE_INJECTION = '\nAWS_ACCESS_KEY_ID<<EOF\nAKIAEVILEVILEVILEVIL\nEOF'
const ENV_FILE: HostileCase[] = [
  { input: 'role-session-name', value: `GitHubActions${ENV_FILE_INJECTION}`, rule: /2 to 64/ },
  { input: 'aws-region', value: `us-east-1${ENV_FILE_INJECTION}`, rule: /AWS region/ },
  { input: 'role-to-assume', value: `${ROLE}${ENV_FILE_INJECTION}`, rule: /role ARN/ },
  {
    input: 'custom-tags',
    value: JSON.stringify({ Team: `platform${ENV_FILE_INJECTION}` }),
    rule: /has a value for "Team" that is not 0 to 256 of letters/
  },
  {
    input: 'transitive-tag-keys',
    value: `Repository${ENV_FILE_INJECTION}`,
    rule: /has a key that is not a tag key: "AWS_ACCESS_KEY_ID<<EOF"/
  },
  {
    input: 'allowed-account-ids',
    value: `111111111111${ENV_FILE_INJECTION}`,
    rule: /"AWS_ACCESS_KEY_ID<<EOF" is not one/
  }
].map(({ input, value, rule }) => ({
  title: `${input}: env-file delimiter injection`,
  inputs: { [input]: value },
  input,
  rule
}))

const INI: HostileCase[] = [
  {
    title: 'aws-profile: INI section injection',
    inputs: { 'aws-profile': 'deploy]\n[default]\naws_access_key_id=AKIAEVILEVILEVILEVIL' },
    input: 'aws-profile',
    rule: /must name a profile/
  },
  {
    title: 'aws-profile: brackets and spaces',
    inputs: { 'aws-profile': 'profile [default]' },
    input: 'aws-profile',
    rule: /must name a profile/
  },
  {
    title: 'role-profiles: INI section injection in the profile name',
    inputs: {
      'role-profiles': 'prod]\n[default]=arn:aws:iam::222222222222:role/deploy'
    },
    input: 'role-profiles',
    rule: /must name a profile|must start with PROFILE=ROLE_ARN/
  }
]

const HUGE = 'A'.repeat(70_000)
const OVERSIZED: HostileCase[] = [
  'role-to-assume',
  'role-session-name',
  'custom-tags',
  'inline-session-policy',
  'managed-session-policies',
  'sts-endpoint',
  'no-proxy',
  'role-duration-seconds',
  'aws-secret-access-key',
  'role-external-id'
].map(input => ({
  title: `${input}: 70 000 characters`,
  inputs: { [input]: HUGE },
  input,
  rule: /is 70000 characters long; the limit is 65536/,
  hidden: input === 'role-external-id' ? [HUGE] : []
}))

const CONTROL: HostileCase[] = [
  {
    title: 'role-session-name: NUL',
    inputs: { 'role-session-name': 'Git\u0000Hub' },
    input: 'role-session-name',
    rule: /got "Git\\u0000Hub"/
  },
  {
    title: 'aws-region: ANSI escape',
    inputs: { 'aws-region': 'us-east-1\u001b[31m' },
    input: 'aws-region',
    rule: /got "us-east-1\\u001b\[31m"/
  },
  {
    title: 'role-to-assume: U+2028 inside the name',
    inputs: { 'role-to-assume': 'arn:aws:iam::111111111111:role/de\u2028ploy' },
    input: 'role-to-assume',
    rule: /must be a role ARN/
  },
  {
    title: 'custom-tags: NUL inside a JSON string',
    inputs: { 'custom-tags': '{"Team":"a\u0000b"}' },
    input: 'custom-tags',
    rule: /not valid JSON/
  },
  {
    title: 'custom-tags: escaped ANSI sequence in a tag value',
    inputs: { 'custom-tags': '{"Team":"\\u001b[31mred"}' },
    input: 'custom-tags',
    rule: /has a value for "Team"/
  },
  {
    title: 'allowed-account-ids: NUL after the ID',
    inputs: { 'allowed-account-ids': '111111111111\u0000' },
    input: 'allowed-account-ids',
    rule: /12-digit account IDs/
  },
  {
    title: 'role-external-id: ANSI escape',
    inputs: { 'role-external-id': 'ext\u001b[31mid' },
    input: 'role-external-id',
    rule: /value not shown/,
    hidden: ['ext\u001b[31mid']
  },
  {
    title: 'aws-region: C1 CSI (U+009B) and DEL',
    inputs: { 'aws-region': 'us-east-1\u009b31m\u007f' },
    input: 'aws-region',
    rule: /must be an AWS region/
  },
  {
    title: 'role-session-name: U+2028',
    inputs: { 'role-session-name': 'Git\u2028Hub' },
    input: 'role-session-name',
    rule: /must be 2 to 64 characters/
  },
  {
    title: 'web-identity-token-file: 5000-character path',
    inputs: {
      'aws-access-key-id': null,
      'aws-secret-access-key': null,
      'web-identity-token-file': 'd'.repeat(5000)
    },
    input: 'web-identity-token-file',
    rule: /cannot be read \(ENAMETOOLONG\)/
  },
  {
    title: 'aws-access-key-id: DEL character',
    inputs: { 'aws-access-key-id': 'AKIAIOSFODNN7\u007fEXAMPLE' },
    input: 'aws-access-key-id',
    rule: /control characters/
  }
]

const LOOK_ALIKES: HostileCase[] = [
  ['Cyrillic а in "arn"', 'аrn:aws:iam::111111111111:role/deploy'],
  ['fullwidth digits in the account', 'arn:aws:iam::１１１１１１１１１１１１:role/deploy'],
  ['Cyrillic е in the role name', 'arn:aws:iam::111111111111:role/dеploy'],
  ['Greek ο in "role"', 'arn:aws:iam::111111111111:rοle/deploy']
]
  .map(([label = '', value = '']): HostileCase => ({
    title: `role-to-assume: ${label}`,
    inputs: { 'role-to-assume': value },
    input: 'role-to-assume',
    rule: /must be a role ARN like .*ASCII/
  }))
  .concat([
    {
      title: 'allowed-account-ids: fullwidth digits',
      inputs: { 'allowed-account-ids': '１１１１１１１１１１１１' },
      input: 'allowed-account-ids',
      rule: /12-digit account IDs/
    }
  ])

const REQUIRED: HostileCase[] = [
  {
    title: 'a token file without role-to-assume',
    inputs: {
      'role-to-assume': null,
      'aws-access-key-id': null,
      'aws-secret-access-key': null,
      'web-identity-token-file': '/tmp/token'
    },
    input: 'web-identity-token-file',
    rule: /needs role-to-assume/
  },
  {
    title: 'no aws-region and no AWS_REGION',
    inputs: { 'aws-region': null },
    input: 'aws-region',
    rule: /is required \(or set AWS_REGION or AWS_DEFAULT_REGION\)/
  },
  {
    title: 'aws-region of blanks only',
    inputs: { 'aws-region': ' \t\n ' },
    input: 'aws-region',
    rule: /is required/
  },
  {
    title: 'role-chaining without role-to-assume',
    inputs: { 'role-to-assume': null, 'role-chaining': 'true' },
    input: 'role-chaining',
    rule: /needs role-to-assume/
  },
  {
    title: 'key ID without secret',
    inputs: { 'aws-secret-access-key': null },
    input: 'aws-secret-access-key',
    rule: /is required when aws-access-key-id is given/
  },
  {
    title: 'secret without key ID',
    inputs: { 'aws-access-key-id': null },
    input: 'aws-access-key-id',
    rule: /is required when aws-secret-access-key is given/
  },
  {
    title: 'session token without keys',
    inputs: {
      'aws-access-key-id': null,
      'aws-secret-access-key': null,
      'aws-session-token': 'FwoGZXIvYXdzEJr//////////wEaDExampleToken'
    },
    input: 'aws-session-token',
    rule: /needs aws-access-key-id and aws-secret-access-key/
  },
  {
    title: 'bare role name without keys (OIDC)',
    inputs: {
      'role-to-assume': 'deploy',
      'aws-access-key-id': null,
      'aws-secret-access-key': null
    },
    env: OIDC_ENV,
    input: 'role-to-assume',
    rule: /is a bare role name; give the full ARN/
  }
]

const NOT_OBJECTS = ['[]', '"x"', 'null', '1', '[{"Key":"Team","Value":"x"}]']
const JSON_SHAPES: HostileCase[] = [
  ...NOT_OBJECTS.map(value => ({
    title: `custom-tags: ${value}`,
    inputs: { 'custom-tags': value },
    input: 'custom-tags',
    rule: /must be a JSON object like \{"Team":"platform"\}\.$/
  })),
  ...['[]', 'null', '"x"', '1', '{"Version":"2012-10-17"}'].map(value => ({
    title: `inline-session-policy: ${value}`,
    inputs: { 'inline-session-policy': value },
    input: 'inline-session-policy',
    rule: /must be an IAM policy document/
  })),
  {
    title: 'custom-tags: a nested object as a value',
    inputs: { 'custom-tags': '{"Team":{"x":"y"}}' },
    input: 'custom-tags',
    rule: /must map each key to a string; "Team" does not/
  }
]

const manyTags = (count: number): string =>
  JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`Tag${i}`, `v${i}`])))
const TAGS: HostileCase[] = [
  ...['aws:x', 'AWS:x', 'Aws:Team'].map(key => ({
    title: `custom-tags: reserved key ${key}`,
    inputs: { 'custom-tags': JSON.stringify({ [key]: 'v' }) },
    input: 'custom-tags',
    rule: /reserved prefix "aws:"/
  })),
  {
    title: 'custom-tags: 51 tags (context tags skipped)',
    inputs: { 'custom-tags': manyTags(51), 'role-skip-session-tagging': 'true' },
    input: 'custom-tags',
    rule: /would make 51 session tags; STS allows at most 50/
  },
  {
    title: 'custom-tags: 43 tags + 8 GitHub context tags (a push: no base/head ref, run ID, job)',
    inputs: { 'custom-tags': manyTags(43) },
    input: 'custom-tags',
    rule: /would make 51 session tags; STS allows at most 50 \(the GitHub context uses 8\)/
  },
  {
    title: 'custom-tags: Team and team',
    inputs: { 'custom-tags': '{"Team":"a","team":"b"}' },
    input: 'custom-tags',
    rule: /repeats the tag key "team"/
  },
  {
    title: "custom-tags: repository against the action's own key",
    inputs: { 'custom-tags': '{"repository":"other/repo"}' },
    input: 'custom-tags',
    rule: /uses the tag key "repository", which differs only in letter case from the tag "Repository"/
  }
]

const KEYS: HostileCase[] = [
  ['newline', 'wJalrXUtnFEMI/K7MDENG\n/bPxRfiCYEXAMPLEKEY'],
  ['space', 'wJalrXUtnFEMI/K7MDENG /bPxRfiCYEXAMPLEKEY'],
  ['CRLF', 'wJalrXUtnFEMI/K7MDENG\r\n/bPxRfiCYEXAMPLEKEY'],
  ['NUL', 'wJalrXUtnFEMI/K7MDENG\u0000/bPxRfiCYEXAMPLEKEY'],
  ['257 characters', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'.padEnd(257, 'k')]
].map(([label = '', value = '']) => ({
  title: `aws-secret-access-key: pasted ${label}`,
  inputs: { 'aws-secret-access-key': value },
  input: 'aws-secret-access-key',
  rule: /value not shown/
}))

const URLS: HostileCase[] = [
  {
    title: 'sts-endpoint: user and password',
    inputs: { 'sts-endpoint': 'https://admin:hunter2secret@sts.example.test' },
    input: 'sts-endpoint',
    rule: /must not carry a user name or password in the URL \(value not shown\)/,
    hidden: ['hunter2secret']
  },
  {
    // A proxy may carry user:password; an error about a malformed one never shows it.
    title: 'http-proxy: malformed, with user and password',
    inputs: { 'http-proxy': 'http://admin:hunter2secret@proxy internal:3128' },
    input: 'http-proxy',
    rule: /must be an http:\/\/ or https:\/\/ URL .*\(value not shown: it may hold a password\)/
  },
  ...[
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ftp://sts.example.test',
    'sts.example.test'
  ].map(value => ({
    title: `sts-endpoint: ${value}`,
    inputs: { 'sts-endpoint': value },
    input: 'sts-endpoint',
    rule: /must be an http:\/\/ or https:\/\/ URL/
  }))
]

export const CASES: HostileCase[] = [
  ...injectionCases(),
  ...BOOLEAN_WORDS,
  ...NUMBERS,
  ...ENV_FILE,
  ...INI,
  ...OVERSIZED,
  ...CONTROL,
  ...LOOK_ALIKES,
  ...REQUIRED,
  ...JSON_SHAPES,
  ...TAGS,
  ...KEYS,
  ...URLS
]

/** Values a URL parser silently cleans: refused all the same (once product bugs, now fixed). */
export const ACCEPTED_URLS: HostileCase[] = [
  {
    title: 'sts-endpoint: newline + ::set-env after a path',
    inputs: { 'sts-endpoint': 'https://sts.example.test/\n::set-env name=X::y' },
    input: 'sts-endpoint',
    rule: /must be an http:\/\/ or https:\/\/ URL|control characters/
  },
  {
    title: 'sts-endpoint: trailing NUL',
    inputs: { 'sts-endpoint': 'https://sts.example.test/\u0000' },
    input: 'sts-endpoint',
    rule: /must be an http:\/\/ or https:\/\/ URL|control characters/
  },
  {
    title: 'http-proxy: newline + ::set-env after a path',
    inputs: { 'http-proxy': 'http://proxy.internal:3128/\n::set-env name=X::y' },
    input: 'http-proxy',
    rule: /must be an http:\/\/ or https:\/\/ URL|control characters/
  }
]

/** The key inputs removed, so that a token file or OIDC is the source. */
export const NO_KEYS = { 'aws-access-key-id': null, 'aws-secret-access-key': null }

/** Values that reach a message: they must show no raw control character. */
export const UNQUOTED: Array<[string, Record<string, string | null>]> = [
  ['aws-region with U+009B (C1 CSI)', { 'aws-region': 'us-east-1\u009b31m' }],
  ['aws-region with DEL', { 'aws-region': 'us-east-1\u007f' }],
  ['role-session-name with U+2028', { 'role-session-name': 'Git\u2028Hub' }],
  [
    'web-identity-token-file with an ANSI escape',
    { ...NO_KEYS, 'web-identity-token-file': 'a/\u001b[8mhidden' }
  ],
  ['web-identity-token-file with NUL', { ...NO_KEYS, 'web-identity-token-file': 'a\u0000b' }]
]
