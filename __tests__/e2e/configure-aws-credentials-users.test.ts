/**
 * What users of configure-aws-credentials v6.2.3 rely on, and a GitHub whose tokens changed
 * (issue 21), through the committed bundle as the runner runs it, against the loopback emulator:
 * immutable subject claims, transient OIDC failures retried with fresh tokens, what
 * AssumeRoleWithWebIdentity cannot take ignored with a warning, role-skip-session-tagging sending
 * no tag at all, misspelt inputs failing, every input of that version accepted, and the warnings
 * that replaced the differences that would break working workflows.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  errorMessage,
  errorTitle,
  MAIN_ENTRY,
  newJobDir,
  ROOT,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

const REGION = 'us-east-1'
const KEYS = {
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
}
const CASE_TIMEOUT_MS = 30_000

let emu: Emulator
let jobDir = ''

beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})
beforeEach(() => {
  emu.clearFaults()
  emu.setSubjectForm('immutable')
  emu.setIdTokenClaims({ ref: undefined })
  emu.resetStats()
  jobDir = newJobDir()
})
afterEach(() => {
  rmSync(jobDir, { recursive: true, force: true })
})

const oidcEnv = (): Record<string, string> => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
})

function step(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  allowUnexpectedInputs = false
): Promise<StepResult> {
  return runStep(MAIN_ENTRY, {
    inputs: { 'aws-region': REGION, 'sts-endpoint': emu.url, ...inputs },
    env,
    jobDir,
    allowUnexpectedInputs
  })
}

/** The ::warning lines' messages (the data after the command), unescaped. */
function warnings(result: StepResult): string[] {
  return result.lines
    .filter(line => line.startsWith('::warning'))
    .map(line =>
      line
        .slice(line.indexOf('::', 2) + 2)
        .replace(/%0A/g, '\n')
        .replace(/%0D/g, '\r')
        .replace(/%25/g, '%')
    )
}

function expectExportedSession(result: StepResult): void {
  expect({ code: result.code, errors: result.lines.filter(l => l.startsWith('::error')) }).toEqual({
    code: 0,
    errors: []
  })
  expect(result.env.AWS_SESSION_TOKEN).toBeTruthy()
  expect(result.env.AWS_REGION).toBe(REGION)
}

/** The `sub` of each ID token STS received, in order. */
function subjectsSent(): string[] {
  return emu
    .requestLog()
    .filter(request => request.action === 'AssumeRoleWithWebIdentity')
    .map(request => String(decodeJwt(request.params.WebIdentityToken ?? '').sub))
}

describe('1. immutable subject claims', () => {
  test('the emulator issues the immutable sub by default, and the seed role trusts it', async () => {
    const result = await step({ 'role-to-assume': SEED.roles.githubDeploy }, oidcEnv())
    expectExportedSession(result)
    expect(subjectsSent()).toEqual([SEED.oidc.subject])
    expect(SEED.oidc.subject).toBe('repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/main')
  })

  test('the legacy sub on request, for a role whose trust policy has the legacy form', async () => {
    emu.setSubjectForm('legacy')
    const result = await step({ 'role-to-assume': SEED.roles.githubLegacy }, oidcEnv())
    expectExportedSession(result)
    expect(subjectsSent()).toEqual([SEED.oidc.legacySubject])
  })

  test('an immutable sub refused by a legacy trust policy: the exact sub and a condition to paste, which then works', async () => {
    const result = await step({ 'role-to-assume': SEED.roles.githubLegacy }, oidcEnv())
    expect(result.code).toBe(1)
    expect(result.env).toEqual({})
    expect(errorTitle(result)).toBe('Not authorized to assume the role with this OIDC token')
    const message = errorMessage(result) ?? ''
    expect(message).toContain(`"${SEED.oidc.subject}"`)
    const condition = /StringEquals: ("[^"]+": "[^"]+")/.exec(message)?.[1] ?? ''
    expect(condition).toBe(`"token.actions.githubusercontent.com:sub": "${SEED.oidc.subject}"`)
    // Pasted into the role's trust policy, the condition admits this run.
    const pasted = JSON.parse(`{${condition}}`) as Record<string, string>
    const role = emu.world.roles.find(entry => entry.arn === SEED.roles.githubLegacy)
    const statement = role?.trust[0]
    const before = structuredClone(statement?.conditions)
    try {
      if (statement?.conditions?.StringEquals)
        Object.assign(statement.conditions.StringEquals, pasted)
      expectExportedSession(await step({ 'role-to-assume': SEED.roles.githubLegacy }, oidcEnv()))
    } finally {
      if (statement) statement.conditions = before
    }
  })
})

describe('2. transient OIDC failures are retried, each attempt with a fresh ID token', () => {
  test.each([
    ['IDPCommunicationError', 2],
    ['InvalidIdentityToken', 1]
  ] as const)(
    '%s ×%i, then success: one fresh token per attempt, one log line per retry',
    async (code, count) => {
      emu.setFaults({ identityProviderErrors: { count, code } })
      const result = await step({ 'role-to-assume': SEED.roles.githubDeploy }, oidcEnv())
      expectExportedSession(result)
      const requests = emu.requestLog().filter(r => r.action === 'AssumeRoleWithWebIdentity')
      expect(requests).toHaveLength(count + 1)
      // Faulted requests are answered before they are parsed: the token is in the raw params.
      const ids = requests.map(r => decodeJwt(r.params.WebIdentityToken ?? '').jti)
      expect(new Set(ids).size).toBe(count + 1)
      expect(emu.stats().idToken).toBe(count + 1)
      const retries = result.log.filter(line =>
        /AssumeRoleWithWebIdentity \(a fresh ID token each attempt\) attempt \d\/4 failed/.test(
          line
        )
      )
      expect(retries).toHaveLength(count)
      expect(retries[0]).toContain(code)
    },
    CASE_TIMEOUT_MS
  )

  test('a lasting failure stops after 4 attempts, in a few seconds, with its diagnosis', async () => {
    emu.setFaults({ identityProviderErrors: { count: 50 } })
    const result = await step({ 'role-to-assume': SEED.roles.githubDeploy }, oidcEnv())
    expect(result.code).toBe(1)
    expect(result.env).toEqual({})
    expect(emu.stats().AssumeRoleWithWebIdentity).toBe(4)
    expect(result.durationMs).toBeLessThan(8_000)
    expect(errorTitle(result)).toBe('STS could not check the token with the identity provider')
    expect(errorMessage(result)).toMatch(/It was retried, each time with a fresh ID token\./)
  })

  test('disable-retry: one attempt', async () => {
    emu.setFaults({ identityProviderErrors: { count: 1 } })
    const result = await step(
      { 'role-to-assume': SEED.roles.githubDeploy, 'disable-retry': 'true' },
      oidcEnv()
    )
    expect(result.code).toBe(1)
    expect(emu.stats().AssumeRoleWithWebIdentity).toBe(1)
    expect(errorMessage(result)).toMatch(/Retries are off/)
  })

  test('a wrong audience and AccessDenied still fail fast: one request, well under 25 s', async () => {
    const audience = await step(
      { 'role-to-assume': SEED.roles.githubDeploy, audience: 'not-a-client-id' },
      oidcEnv()
    )
    expect(audience.code).toBe(1)
    expect(errorTitle(audience)).toBe('OIDC audience mismatch')
    expect(emu.stats().AssumeRoleWithWebIdentity).toBe(1)
    emu.resetStats()
    emu.setIdTokenClaims({ ref: 'refs/heads/feature' })
    const denied = await step({ 'role-to-assume': SEED.roles.githubDeploy }, oidcEnv())
    expect(denied.code).toBe(1)
    expect(emu.stats().AssumeRoleWithWebIdentity).toBe(1)
    expect(denied.durationMs).toBeLessThan(5_000)
    expect(denied.summary).toContain('IAM is eventually consistent')
  })
})

describe('3. what AssumeRoleWithWebIdentity cannot take is ignored, with a warning', () => {
  test('role-external-id, custom-tags and transitive-tag-keys with OIDC: one line each, and the step succeeds', async () => {
    const result = await step(
      {
        'role-to-assume': SEED.roles.githubDeploy,
        'role-external-id': 'ext-id-1234',
        'custom-tags': '{"Team":"platform"}',
        'transitive-tag-keys': 'Team'
      },
      oidcEnv()
    )
    expectExportedSession(result)
    expect(warnings(result)).toEqual([
      "Input 'custom-tags' is ignored: AssumeRoleWithWebIdentity takes no session tags; they come from the token's claims.",
      "Input 'transitive-tag-keys' is ignored: AssumeRoleWithWebIdentity takes no session tags; they come from the token's claims.",
      "Input 'role-external-id' is ignored: AssumeRoleWithWebIdentity takes no external ID, so a trust policy that requires sts:ExternalId never admits a web identity session."
    ])
    const request = emu.lastRequest('AssumeRoleWithWebIdentity')
    expect(request?.tags).toEqual([])
    expect(request?.externalId).toBeUndefined()
    // The external ID never shows (it may be a secret).
    expect(result.stdout).not.toContain('ext-id-1234')
  })
})

describe('4. role-skip-session-tagging sends no tag at all', () => {
  test('custom-tags too, with a warning; a role without sts:TagSession then works', async () => {
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.noTags,
      'role-skip-session-tagging': 'true',
      'custom-tags': '{"Team":"platform"}'
    })
    expectExportedSession(result)
    expect(emu.lastRequest('AssumeRole')?.tags).toEqual([])
    expect(warnings(result)).toEqual([
      "Input 'custom-tags' is ignored: role-skip-session-tagging is true, and then no session tag is sent at all."
    ])
  })
})

describe('5. typos fail loudly', () => {
  test.each([
    ['role-to-asume', 'role-to-assume'],
    ['role_to_assume', 'role-to-assume'],
    ['aws-secret-acess-key', 'aws-secret-access-key']
  ])(
    '%s beside access keys fails before any call, naming %s; nothing exported',
    async (typo, meant) => {
      const inputs: Record<string, string> = { ...KEYS, [typo]: SEED.roles.deploy }
      const result = await step(inputs, {}, true)
      expect(result.code).toBe(1)
      expect(errorTitle(result)).toBe(`Invalid input: ${typo}`)
      expect(errorMessage(result)).toContain(`did you mean '${meant}'?`)
      expect(errorMessage(result)).not.toContain(SEED.roles.deploy)
      expect(result.env).toEqual({})
      expect(result.outputs).toEqual({})
      expect(emu.stats().requests).toBe(0)
      // The runner warned too, as it does for any undeclared input.
      expect(result.runnerIssues.join('\n')).toContain(`Unexpected input(s) '${typo}'`)
    }
  )

  test('an unknown input far from ours: one warning, and the step goes on', async () => {
    const result = await step(
      { ...KEYS, 'role-to-assume': SEED.roles.deploy, 'node-version': '24' },
      {},
      true
    )
    expectExportedSession(result)
    expect(warnings(result)).toEqual([
      'Input "node-version" is not an input of this action and is ignored (the runner passed it on as an INPUT_ variable).'
    ])
  })

  test('keys without a role: one line says the long-lived keys themselves are handed on', async () => {
    const result = await step({ ...KEYS })
    expect(result.code).toBe(0)
    expect(result.env.AWS_ACCESS_KEY_ID).toBe(SEED.user.accessKeyId)
    expect(warnings(result)).toEqual([
      'No role-to-assume: the long-lived access keys given as inputs are themselves what later steps get, not a temporary role session. If a role was meant, check that role-to-assume is set (a secret that is not set gives an empty value).'
    ])
  })

  test('a role-to-assume left empty (a secret that is not set) is the same run as no role', async () => {
    const empty = await step({ ...KEYS, 'role-to-assume': '' })
    expect(empty.code).toBe(0)
    expect(warnings(empty)).toHaveLength(1)
    expect(warnings(empty)[0]).toMatch(/^No role-to-assume: the long-lived access keys/)
    const failures = readFileSync(join(ROOT, 'docs', 'failures.md'), 'utf8')
    expect(failures).toContain('## role-to-assume empty: a secret that is not set')
  })
})

describe('6. every input of configure-aws-credentials v6.2.3 is one of ours', () => {
  test('a step giving all of them (empty where optional) runs with no runner warning and no ignored input', async () => {
    const upstream = JSON.parse(
      readFileSync(
        join(ROOT, '__tests__', 'fixtures', 'configure-aws-credentials-v6.2.3-inputs.json'),
        'utf8'
      )
    ) as { inputs: string[] }
    const inputs: Record<string, string> = Object.fromEntries(
      upstream.inputs.map(name => [name, ''])
    )
    Object.assign(inputs, {
      'aws-region': REGION,
      'sts-endpoint': emu.url,
      ...KEYS,
      'role-to-assume': SEED.roles.deploy
    })
    // Without allowUnexpectedInputs the harness throws on any name action.yml does not declare.
    const result = await runStep(MAIN_ENTRY, { inputs, jobDir })
    expectExportedSession(result)
    expect(result.runnerIssues).toEqual([])
    expect(warnings(result)).toEqual([])
  })
})

describe('7. differences that broke working workflows are warnings now', () => {
  test('transitive-tag-keys naming no tag sent: left out with a warning that starts no command', async () => {
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'custom-tags': '{"Team":"platform"}',
      'transitive-tag-keys': 'Team\n::set-env name=X::y'
    })
    expectExportedSession(result)
    expect(emu.lastRequest('AssumeRole')?.transitiveTagKeys).toEqual(['Team'])
    expect(warnings(result)).toEqual([
      `Input 'transitive-tag-keys': "::set-env name=X::y" names no tag this session sends, so it is left out (as configure-aws-credentials leaves them out).`
    ])
    for (const line of result.lines) expect(line).not.toMatch(/^::set-env/)
  })

  test('special-characters-workaround overrides disable-retry, as configure-aws-credentials documents, with a warning', async () => {
    emu.setFaults({ serverErrors: { count: 1, status: 503 } })
    const result = await step({
      ...KEYS,
      'role-to-assume': SEED.roles.deploy,
      'special-characters-workaround': 'true',
      'disable-retry': 'true'
    })
    expectExportedSession(result)
    expect(emu.stats().AssumeRole).toBeGreaterThanOrEqual(2)
    expect(warnings(result)).toContain(
      "Input 'disable-retry' is ignored: special-characters-workaround is true, and then transient failures are retried up to 12 times, as configure-aws-credentials does."
    )
  })

  test('a bare role name with role chaining is resolved in the current session’s account', async () => {
    const first = await step({ ...KEYS, 'role-to-assume': SEED.roles.deploy })
    expectExportedSession(first)
    emu.resetStats()
    const chained = await step(
      { 'role-to-assume': 'chain-target', 'role-chaining': 'true' },
      {
        AWS_ACCESS_KEY_ID: first.env.AWS_ACCESS_KEY_ID ?? '',
        AWS_SECRET_ACCESS_KEY: first.env.AWS_SECRET_ACCESS_KEY ?? '',
        AWS_SESSION_TOKEN: first.env.AWS_SESSION_TOKEN ?? ''
      }
    )
    expectExportedSession(chained)
    expect(emu.stats().GetCallerIdentity).toBe(1)
    expect(emu.lastRequest('AssumeRole')?.roleArn).toBe(SEED.roles.chainTarget)
  })
})
