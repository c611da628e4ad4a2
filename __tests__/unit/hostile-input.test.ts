/**
 * Hostile inputs through the real main step. Every case starts from inputs that work (checked by
 * the first test) and spoils exactly one of them; the step must then refuse with one ::error that
 * names that input and states its rule, before any call to STS or GitHub, export nothing, echo no
 * secret, and never let the value form a workflow command of its own.
 */
import { proxySecrets } from '../../src/rules/endpoint.js'
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  errors,
  prepareRunner,
  restoreRunner,
  type Captured
} from '../../test-support/runner-env.js'
import {
  idTokenEndpoint,
  sentRequest,
  type HandleSpy
} from '../../test-support/id-token-endpoint.js'
import {
  ACCEPTED_URLS,
  ASSUMED,
  BASE,
  CASES,
  NO_KEYS,
  OIDC_ENV,
  UNQUOTED,
  type HostileCase
} from './hostile-input.cases.js'

const { run } = await import('../../src/main.js')
const { forgetSecrets } = await import('../../src/runner/secrets.js')

const sts = mockClient(STSClient)

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

// eslint-disable-next-line no-control-regex -- control characters are what is looked for
const C0_CONTROL = /[\u0000-\u001f]/
// eslint-disable-next-line no-control-regex -- control characters are what is looked for
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** @actions/core's escaping of a command's data, which the runner undoes. */
function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function inputsOf(changes: Record<string, string | null>): Record<string, string> {
  const inputs: Record<string, string> = { ...BASE }
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) Reflect.deleteProperty(inputs, name)
    else inputs[name] = value
  }
  return inputs
}

/** Secret inputs as the step masks them: trimmed, as the runner passes them. */
function maskedSecrets(inputs: Record<string, string>): string[] {
  return [
    ...['aws-secret-access-key', 'aws-session-token'].map(name => (inputs[name] ?? '').trim()),
    // A proxy's user:password and password, masked even when the URL is malformed.
    ...proxySecrets(inputs['http-proxy'] ?? '')
  ].filter(value => value !== '')
}

/** A secret and the pieces a pasted line break or space splits it into: none may show. */
function piecesOf(secret: string): string[] {
  // eslint-disable-next-line no-control-regex -- a pasted control character splits a secret too
  return [secret, ...secret.split(/[\s\u0000-\u001f\u007f]+/).filter(piece => piece.length >= 8)]
}

let captured: Captured | undefined
/** Where a profile would be written: never the real ~/.aws, even if a rule were broken. */
let profileDir: string | undefined
let fetchSpy: HandleSpy | undefined

beforeEach(() => {
  sts.reset()
  sts.onAnyCommand().resolves(ASSUMED)
  forgetSecrets()
})
afterEach(() => {
  if (profileDir) rmSync(profileDir, { recursive: true, force: true })
  profileDir = undefined
  restoreRunner(captured)
  captured = undefined
  fetchSpy = undefined
  forgetSecrets()
})
afterAll(() => {
  sts.restore()
})

async function runStep(
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<Captured> {
  profileDir = mkdtempSync(join(tmpdir(), 'hostile-profiles-'))
  captured = prepareRunner(inputs, {
    AWS_SHARED_CREDENTIALS_FILE: join(profileDir, 'credentials'),
    AWS_CONFIG_FILE: join(profileDir, 'config'),
    RUNNER_TEMP: profileDir,
    ...env
  })
  // A 400 is not retried: a case that wrongly reaches the ID token request fails at once.
  fetchSpy = idTokenEndpoint({ status: 400, body: '{}' })
  await run()
  return captured
}

/** The assertions every refused case must pass; throws (an expect failure) when one does not. */
async function expectRefused(hostile: HostileCase): Promise<void> {
  const inputs = inputsOf(hostile.inputs)
  const c = await runStep(inputs, hostile.env)
  const stdout = c.lines.join('\n')
  const lines = c.lines.flatMap(line => line.split('\r'))

  // (a) exactly one ::error, titled with the input, its message naming the input and the rule.
  const errorLines = errors(c)
  expect(errorLines).toHaveLength(1)
  const [errorLine = ''] = errorLines
  const title = `Invalid input%3A ${hostile.input}`
  expect(errorLine.startsWith(`::error title=${title}::`)).toBe(true)
  const message = unescapeData(errorLine.slice(`::error title=${title}::`.length))
  expect(message.startsWith(`Input '${hostile.input}' `)).toBe(true)
  expect(message).toMatch(hostile.rule)
  expect(process.exitCode).toBe(1)

  // (b) nothing sent: no STS call, no ID token request.
  expect(sts.calls()).toHaveLength(0)
  expect(fetchSpy).not.toHaveBeenCalled()

  // (c) nothing exported: env, outputs and state files empty, no profile file written, and no
  // credential in this process.
  expect(readFileSync(c.files.env, 'utf8')).toBe('')
  expect(readFileSync(c.files.output, 'utf8')).toBe('')
  expect(readFileSync(c.files.state, 'utf8')).toBe('')
  expect(readdirSync(profileDir ?? '')).toEqual([])
  expect(process.env.AWS_SESSION_TOKEN).toBeUndefined()
  expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined()
  const summary = readFileSync(c.files.summary, 'utf8')
  expect(summary).toContain('Nothing was sent to AWS and nothing was exported.')

  // (d) secrets: a secret input shows only in its own ::add-mask:: line, printed before the error;
  // other secret-like values (external ID, URL password, the runner's request token) show nowhere.
  for (const secret of maskedSecrets(inputs)) {
    const maskLine = `::add-mask::${escapeData(secret)}`
    const maskIndex = c.lines.indexOf(maskLine)
    expect(maskIndex).toBeGreaterThanOrEqual(0)
    expect(maskIndex).toBeLessThan(c.lines.indexOf(errorLine))
    for (const piece of piecesOf(secret)) {
      // Only mask lines (its own, or one of a longer secret holding it) show it.
      expect(
        c.lines.filter(line => !line.startsWith('::add-mask::') && line.includes(piece))
      ).toEqual([])
      expect(summary.includes(piece)).toBe(false)
    }
  }
  const hidden = [...(hostile.hidden ?? []), OIDC_ENV.ACTIONS_ID_TOKEN_REQUEST_TOKEN]
  for (const secret of hidden) {
    for (const piece of piecesOf(secret)) {
      expect(stdout.includes(piece)).toBe(false)
      expect(summary.includes(piece)).toBe(false)
    }
  }

  // (e) the value formed no command: every line that starts like a command is one of ours, and the
  // error's data survives @actions/core's escaping (no raw line break, every % escaped).
  for (const line of lines) {
    if (line.startsWith('::')) expect(line).toMatch(/^::(add-mask::|error |debug::)/)
  }
  // No raw C0 control (an ANSI escape would recolour or hide log text): quote() shows them as
  // \uXXXX. ::add-mask:: lines are exempt: they must carry the secret exactly as the step holds it.
  const controlled = lines.filter(line => !line.startsWith('::add-mask::') && C0_CONTROL.test(line))
  expect(controlled).toEqual([])
  const data = errorLine.slice(`::error title=${title}::`.length)
  expect(escapeData(unescapeData(data))).toBe(data)
  expect(lines.filter(line => line.startsWith('::error'))).toHaveLength(1)
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe('the harness', () => {
  test('the base inputs are valid: they reach STS and export credentials', async () => {
    const c = await runStep({ ...BASE })
    expect(errors(c)).toEqual([])
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1)
    expect(readFileSync(c.files.env, 'utf8')).toContain('AWS_ACCESS_KEY_ID<<')
  })

  test('a hostile value the rules let through fails the checks (they would catch a broken rule)', async () => {
    // ':' is legal in an external ID, so this one is accepted and reaches STS: the checks must
    // reject the run exactly as they would if the session-name or ARN rule were loosened.
    await expect(
      expectRefused({
        title: 'accepted value',
        inputs: { 'role-external-id': '::stop-commands::tok' },
        input: 'role-external-id',
        rule: /./
      })
    ).rejects.toThrow()
  })

  test('the table is large enough', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60)
    expect(new Set(CASES.map(hostile => hostile.title)).size).toBe(CASES.length)
  })
})

describe('hostile inputs are refused before any call, with nothing exported or echoed', () => {
  test.each(CASES.map(hostile => [hostile.title, hostile] as const))('%s', async (_, hostile) => {
    await expectRefused(hostile)
  })
})

describe('values that are legal stay inert', () => {
  test('where a value reaches a message unquoted, @actions/core escaping keeps it one line', async () => {
    // token-file.ts puts the path into its message (quoted, see the regression tests below).
    const c = await runStep(
      inputsOf({
        'aws-access-key-id': null,
        'aws-secret-access-key': null,
        'web-identity-token-file': 'x\n::set-env name=X::y\r::add-mask::z'
      })
    )
    const [errorLine = ''] = errors(c)
    // The path is quoted: its control characters show as JSON escapes, never raw.
    expect(errorLine).toContain('x\\n::set-env name=X::y\\r::add-mask::z')
    expect(c.lines.filter(line => /^::(set-env|add-mask::z)/.test(line))).toEqual([])
  })

  test('an audience with "%0A::add-mask::" is legal: sent URL-encoded, never a command', async () => {
    const audience = 'sts.amazonaws.com%0A::add-mask::'
    const c = await runStep(
      inputsOf({ 'aws-access-key-id': null, 'aws-secret-access-key': null, audience }),
      OIDC_ENV
    )
    if (!fetchSpy) throw new Error('no ID token request was made')
    expect(sentRequest(fetchSpy).url.searchParams.get('audience')).toBe(audience)
    expect(
      c.lines.filter(line => line.startsWith('::') && !/^::(add-mask::|error |debug::)/.test(line))
    ).toEqual([])
    expect(errors(c)).toHaveLength(1)
    expect(readFileSync(c.files.env, 'utf8')).toBe('')
  })

  test('no-proxy with a line break is refused (the rule NO_PROXY gets too); it reaches no log line', async () => {
    const c = await runStep(inputsOf({ 'no-proxy': 'a.test\n::set-env name=X::y' }))
    expect(errors(c)).toEqual([
      expect.stringContaining("Input 'no-proxy' must be a comma-separated list")
    ])
    expect(c.lines.filter(line => line.includes('::set-env') || line.includes('a.test'))).toEqual(
      []
    )
  })

  test('an external ID with "::" reaches STS as given, and prints nothing of itself', async () => {
    const value = '::stop-commands::tok'
    const c = await runStep({ ...BASE, 'role-external-id': value })
    expect(errors(c)).toEqual([])
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.ExternalId).toBe(value)
    expect(c.lines.filter(line => line.includes(value))).toEqual([])
  })
})

/** Former product bugs, now fixed: kept as regression tests. */
describe('values a parser cleans or a message shows are refused or escaped', () => {
  // The WHATWG URL parser silently drops tabs and line breaks (and trailing C0 controls), so
  // checking `new URL(value)` alone would accept these and hand the raw value on.
  test.each(ACCEPTED_URLS.map(hostile => [hostile.title, hostile] as const))(
    '%s',
    async (_, hostile) => {
      await expectRefused(hostile)
    }
  )

  // Values reach a message only through quote() (src/rules/input-error.ts), which must escape
  // what JSON.stringify leaves raw (DEL, C1 controls with U+009B an 8-bit CSI, U+2028/U+2029)
  // and cut long values; the token file's path included (src/sources/token-file.ts).
  test.each(UNQUOTED)('the ::error shows no raw control character: %s', async (_, changes) => {
    const c = await runStep(inputsOf(changes))
    const [errorLine = ''] = errors(c)
    expect(errorLine).toMatch(/^::error title=Invalid input%3A /)
    expect(errorLine).not.toMatch(ANY_CONTROL)
  })

  test('web-identity-token-file: a long path is cut in the ::error like quoted values', async () => {
    const c = await runStep(inputsOf({ ...NO_KEYS, 'web-identity-token-file': 'd'.repeat(5000) }))
    const [errorLine = ''] = errors(c)
    expect(errorLine).toMatch(/^::error title=Invalid input%3A web-identity-token-file::/)
    expect(errorLine.length).toBeLessThan(500)
  })
})
