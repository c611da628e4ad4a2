/**
 * Nothing from outside is trusted: every writer fed hostile text, the checks on server answers, the
 * post step against forged state, the existence check of every section written, and the account
 * masked before the first line that could show it.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { SignJWT } from 'jose'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderLog } from '../../../test-support/runner.js'
import {
  errors,
  prepareRunner,
  readEnvFile,
  readOutputs,
  readState,
  readSummary,
  restoreRunner,
  type Captured
} from '../../../test-support/runner-env.js'

const runner = await import('../../../src/runner/commands.js')
const { markdownCode, markdownText, neutralise } = await import('../../../src/runner/log-text.js')
const { checkArn, checkCredentials, checkIdToken } = await import('../../../src/network/answers.js')
const { run } = await import('../../../src/main.js')
const { run: cleanup } = await import('../../../src/post/cleanup.js')
const { forgetSecrets } = await import('../../../src/runner/secrets.js')

const sts = mockClient(STSClient)
let captured: Captured | undefined

beforeEach(() => {
  sts.reset()
})
afterEach(() => {
  restoreRunner(captured)
  captured = undefined
  forgetSecrets()
})

/** Every way text could start a command or reshape the log. */
const HOSTILE =
  'x\n::warning::forged\r\n::set-output name=a::b\r::save-state name=s::t\u2028::error::u\u0085' +
  '##[set-env name=X]y\u001b[31mred\u009b1m\u0000\t`|<img src=x>*[link](http://x)'

/** Lines the runner would run as commands, other than the one the writer meant to issue. */
function commandLines(lines: string[]): string[] {
  return lines.filter(line => /^\s*(::|##\[)/.test(line))
}

describe('every writer neutralises outside text', () => {
  test('info, debug, warning, error and setFailed: one line each, no forged command', () => {
    captured = prepareRunner({}, { RUNNER_DEBUG: '1' })
    runner.info(HOSTILE)
    runner.info(`::warning::${HOSTILE}`)
    runner.debug(HOSTILE)
    runner.warning(HOSTILE, { title: HOSTILE })
    runner.error(HOSTILE, { title: HOSTILE })
    runner.setFailed(HOSTILE, { title: HOSTILE })
    const lines = captured.lines
    expect(lines).toHaveLength(6)
    // Plain lines never start like a command; commands are exactly the ones issued.
    expect(commandLines(lines.slice(0, 2))).toEqual([])
    expect(lines.slice(2).map(line => /^::([a-z-]+)/.exec(line)?.[1])).toEqual([
      'debug',
      'warning',
      'error',
      'error'
    ])
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/)
    // Rendered as the runner renders: the forged commands are text inside one message each.
    const { log, masks } = renderLog(lines, true)
    expect(masks).toEqual([])
    expect(log.filter(line => line.startsWith('Warning:'))).toHaveLength(1)
    expect(log.join('\n')).not.toMatch(/^Warning: forged/m)
    expect(log[0]).toContain('x\\n::warning::forged\\r\\n')
  })

  test('the step summary: the caller’s lines kept, control characters neutralised', async () => {
    captured = prepareRunner({})
    await runner.appendSummary(`### Title\n\n| a | ${markdownText(HOSTILE)} |\n`)
    const summary = readSummary(captured)
    expect(summary.split('\n').slice(0, 3)).toEqual(['### Title', '', expect.any(String)])
    const row = summary.split('\n')[2] ?? ''
    // One table row of two cells: no unescaped pipe, backtick, angle bracket or link.
    expect(row.replace(/\\./g, '').match(/\|/g)).toHaveLength(3)
    expect(row.replace(/\\./g, '')).not.toMatch(/[`<>[\]]/)
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    expect(summary).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/)
  })

  test('outputs, variables and state refuse a line break instead of writing it', () => {
    captured = prepareRunner({})
    expect(() => runner.setOutput('authenticated-arn', 'a\nb')).toThrow(/line break/)
    expect(() => runner.exportVariable('AWS_REGION', 'a\rb')).toThrow(/line break/)
    expect(() => runner.saveState('profileBackup', 'a\nb')).toThrow(/line break/)
    expect(readOutputs(captured)).toEqual({})
    expect(readEnvFile(captured)).toEqual({})
    expect(readState(captured)).toEqual({})
  })

  test('neutralise shows each control character as an escape', () => {
    expect(neutralise('a\nb\r\tc\u001b\u2028')).toBe('a\\nb\\r\\tc\\u001b\\u2028')
    expect(markdownText('a|b`c<d>')).toBe('a\\|b\\`c\\<d\\>')
    expect(markdownCode('arn:aws:x|y\nz')).toBe('`arn:aws:x\\|y\\nz`')
    expect(markdownCode('a`b')).toBe('a\\`b')
  })
})

// -------------------------------------------------------------------------------------------------

const GOOD = {
  AccessKeyId: 'ASIATEMPORARYKEY0001',
  SecretAccessKey: 'tempSecretKey/With+Special0123456789abcd',
  SessionToken: 'FwoGZXIvYXdzEJr//////////wEaDTemporarySessionToken',
  Expiration: new Date('2026-11-25T15:00:00Z')
}

describe('answers from STS are checked before use', () => {
  test('good credentials pass unchanged', () => {
    expect(checkCredentials(GOOD)).toEqual({
      accessKeyId: GOOD.AccessKeyId,
      secretAccessKey: GOOD.SecretAccessKey,
      sessionToken: GOOD.SessionToken,
      expiration: GOOD.Expiration
    })
  })

  test.each([
    ['access key ID', { AccessKeyId: 'ASIA\nKEY0000000000001' }],
    ['access key ID', { AccessKeyId: 'SHORT' }],
    ['secret access key', { SecretAccessKey: 'a b' }],
    ['session token', { SessionToken: `${GOOD.SessionToken}\n[default]\ncredential_process = sh` }],
    ['session token', { SessionToken: 'x'.repeat(20000) }],
    ['session token', { SessionToken: 'tok\u0000en' }],
    ['expiration', { Expiration: new Date('soon') }]
  ])('a bad %s is refused, naming STS and the field, never the value', (field, change) => {
    const call = (): unknown => checkCredentials({ ...GOOD, ...change })
    expect(call).toThrow(`STS answered with an invalid ${field}: `)
    expect(call).toThrow(/\(value not shown\)\.$/)
    for (const value of Object.values(change)) {
      if (typeof value === 'string') expect(call).not.toThrow(value)
    }
  })

  test.each([
    'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions',
    'arn:aws-cn:sts::111111111111:assumed-role/deploy/s@x.y',
    'arn:aws:sts:::assumed-role/rgw-deploy/GitHubActions'
  ])('the assumed-role ARN %s is accepted', arn => {
    expect(checkArn(arn, true)).toBe(arn)
  })

  test.each([
    'arn:aws:iam::111111111111:user/personal/localuser',
    'arn:aws:iam::111111111111:root',
    'arn:aws:sts::111111111111:federated-user/bob',
    'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'
  ])('the caller ARN %s is accepted', arn => {
    expect(checkArn(arn, false)).toBe(arn)
  })

  test.each([
    'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions\n::warning::x',
    'arn:aws:sts::111111111111:assumed-role/deploy/Git Hub',
    'arn:aws:sts::1111:assumed-role/deploy/GitHubActions',
    'arn:evil:sts::111111111111:assumed-role/deploy/GitHubActions',
    'arn:aws:iam::111111111111:user/x',
    `arn:aws:sts::111111111111:assumed-role/deploy/${'a'.repeat(65)}`
  ])('the assumed-role ARN %j is refused', arn => {
    expect(() => checkArn(arn, true)).toThrow(/STS answered with an invalid assumed-role ARN/)
  })

  test('an ID token must be a JWT whose header and claims decode', async () => {
    const jwt = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('test-signing-key-of-enough-length'))
    expect(checkIdToken(jwt)).toBe(jwt)
    const part = (text: string): string => Buffer.from(text).toString('base64url')
    for (const bad of [
      `${part('{"alg":"RS256"')}.${part('not json')}.${part('sig')}`,
      `${part('{"alg":"RS256"}')}.${part('[1]')}.${part('sig')}`,
      `${jwt}\n::warning::x`,
      'a.b',
      '',
      42,
      `${jwt}${'A'.repeat(20000)}`
    ]) {
      expect(() => checkIdToken(bad)).toThrow(
        /^GitHub's ID-token endpoint answered with an invalid ID token: /
      )
    }
  })
})

// -------------------------------------------------------------------------------------------------

const ROLE = 'arn:aws:iam::111111111111:role/deploy'
const keyInputs = {
  'aws-region': 'eu-west-1',
  'role-to-assume': ROLE,
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
}

describe('the main step', () => {
  test('an STS answer with a line break in the token writes no profile and exports nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'))
    captured = prepareRunner({ ...keyInputs, 'aws-profile': 'ci' }, { HOME: home })
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { ...GOOD, SessionToken: `${GOOD.SessionToken}\n[default]\nx = y` },
      AssumedRoleUser: {
        Arn: 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions',
        AssumedRoleId: 'AROAEXAMPLE:GitHubActions'
      }
    })
    await run()
    expect(errors(captured)).toEqual([
      expect.stringMatching(
        /^::error title=STS sent an invalid answer::STS answered with an invalid session token/
      )
    ])
    expect(readEnvFile(captured)).toEqual({})
    expect(readOutputs(captured)).toEqual({})
    expect(existsSync(join(home, '.aws'))).toBe(false)
  })

  test('refresh-credentials with keys checks NAME-source-keys exists before any call', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'))
    mkdirSync(join(home, '.aws'))
    const existing = '[ci-source-keys]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n'
    writeFileSync(join(home, '.aws', 'credentials'), existing)
    captured = prepareRunner(
      { ...keyInputs, 'aws-profile': 'ci', 'refresh-credentials': 'true' },
      { HOME: home }
    )
    await run()
    expect(errors(captured)).toEqual([
      expect.stringContaining(
        'Input \'aws-profile\' names profile "ci-source-keys", which already exists'
      )
    ])
    expect(sts.calls()).toHaveLength(0)
    expect(readFileSync(join(home, '.aws', 'credentials'), 'utf8')).toBe(existing)
  })

  test('mask-aws-account-id masks the account before an error about role-to-assume shows it', async () => {
    captured = prepareRunner({
      ...keyInputs,
      'role-to-assume': 'arn:aws:iam::123456789012:rolle/deploy',
      'mask-aws-account-id': 'true'
    })
    await run()
    const lines = captured.lines
    const mask = lines.indexOf('::add-mask::123456789012')
    const error = lines.findIndex(line => line.startsWith('::error'))
    expect(mask).toBeGreaterThanOrEqual(0)
    expect(error).toBeGreaterThan(mask)
    expect(lines[error]).toContain('role-to-assume')
    for (const line of lines.filter(l => !l.startsWith('::add-mask::'))) {
      expect(line).not.toContain('123456789012')
    }
    expect(readSummary(captured)).not.toContain('123456789012')
    expect(sts.calls()).toHaveLength(0)
  })
})

// -------------------------------------------------------------------------------------------------

/** An edit of an undo record (profiles/files.ts): our inserted bytes, in base64. */
function edit(header: string, inserted: string): Record<string, string> {
  return { header, inserted: Buffer.from(inserted).toString('base64'), removed: '' }
}

describe('the post step trusts only what it can verify', () => {
  function jobFolders(): { temp: string; home: string; victim: string } {
    const root = mkdtempSync(join(tmpdir(), 'post-'))
    const temp = join(root, 'runner-temp')
    const home = join(root, 'home')
    mkdirSync(temp)
    mkdirSync(join(home, '.aws'), { recursive: true })
    const victim = join(root, 'victim.json')
    writeFileSync(victim, 'keep me')
    return { temp, home, victim }
  }

  test('a backup path outside RUNNER_TEMP is neither read nor deleted: a warning', async () => {
    const { temp, home, victim } = jobFolders()
    captured = prepareRunner({}, { RUNNER_TEMP: temp, HOME: home, STATE_profileBackup: victim })
    await cleanup()
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
    expect(captured.lines.filter(line => line.startsWith('::warning'))).toEqual([
      expect.stringContaining('not a file of this action in RUNNER_TEMP')
    ])
    expect(process.exitCode).toBeUndefined()
  })

  test('a backup of ours listing foreign files and paths: only its own files are touched', async () => {
    const { temp, home, victim } = jobFolders()
    const ownFile = join(temp, 'assume-aws-role-ci-process-1.json')
    writeFileSync(ownFile, '{}', { mode: 0o600 })
    const foreignInTemp = join(temp, 'other-tool.json')
    writeFileSync(foreignInTemp, 'keep me too')
    const backup = join(temp, 'assume-aws-role-backup-1.json')
    writeFileSync(
      backup,
      JSON.stringify({
        version: 2,
        changes: [{ path: victim, created: false, edits: [edit('ci', 'keep me')] }],
        files: [victim, foreignInTemp, ownFile, '/etc/passwd']
      }),
      { mode: 0o600 }
    )
    captured = prepareRunner({}, { RUNNER_TEMP: temp, HOME: home, STATE_profileBackup: backup })
    await cleanup()
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
    expect(readFileSync(foreignInTemp, 'utf8')).toBe('keep me too')
    expect(existsSync(ownFile)).toBe(false)
    expect(existsSync(backup)).toBe(false)
    const warnings = captured.lines.filter(line => line.startsWith('::warning'))
    expect(warnings.join('\n')).toContain("not this job's AWS config or credentials file")
    expect(warnings.join('\n')).toContain('did not delete')
    expect(process.exitCode).toBeUndefined()
  })

  test('launcher folders: ours (and its two files) removed; a foreign folder or file left, a warning', async () => {
    const { temp, home } = jobFolders()
    const launcherDir = join(temp, 'assume-aws-role-Ab12Cd')
    mkdirSync(launcherDir, { mode: 0o700 })
    const launcher = join(
      launcherDir,
      process.platform === 'win32' ? 'credential-process.cmd' : 'credential-process'
    )
    const config = join(launcherDir, 'config.json')
    for (const file of [launcher, config]) writeFileSync(file, 'x', { mode: 0o600 })
    // Same names, but not in a folder of ours: a crafted record must not reach them.
    const foreignDir = join(temp, 'other-tool')
    mkdirSync(foreignDir, { mode: 0o700 })
    const foreignConfig = join(foreignDir, 'config.json')
    writeFileSync(foreignConfig, 'keep me', { mode: 0o600 })
    const backup = join(temp, 'assume-aws-role-backup-4.json')
    writeFileSync(
      backup,
      JSON.stringify({
        version: 2,
        changes: [],
        files: [launcher, config, foreignConfig],
        folders: [launcherDir, foreignDir, home]
      }),
      { mode: 0o600 }
    )
    captured = prepareRunner({}, { RUNNER_TEMP: temp, HOME: home, STATE_profileBackup: backup })
    await cleanup()
    expect(existsSync(launcherDir)).toBe(false)
    expect(readFileSync(foreignConfig, 'utf8')).toBe('keep me')
    expect(existsSync(foreignDir)).toBe(true)
    expect(existsSync(home)).toBe(true)
    const warnings = captured.lines.filter(line => line.startsWith('::warning')).join('\n')
    expect(warnings).toContain('did not delete')
    expect(warnings).toContain('did not remove')
    expect(process.exitCode).toBeUndefined()
  })

  test('a backup record others may write is not believed', async () => {
    const { temp, home, victim } = jobFolders()
    const backup = join(temp, 'assume-aws-role-backup-3.json')
    writeFileSync(backup, JSON.stringify({ changes: [], files: [victim] }), { mode: 0o666 })
    chmodSync(backup, 0o666)
    captured = prepareRunner({}, { RUNNER_TEMP: temp, HOME: home, STATE_profileBackup: backup })
    await cleanup()
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
    expect(existsSync(backup)).toBe(true)
    expect(captured.lines.join('\n')).toContain('others may read or write it')
  })

  test('a section changed since it was written is left in place, with a warning', async () => {
    const { temp, home } = jobFolders()
    const credentials = join(home, '.aws', 'credentials')
    const written = '[ci]\naws_access_key_id = A\n'
    writeFileSync(credentials, '[ci]\naws_access_key_id = CHANGED\n[later]\nx = 1\n')
    const backup = join(temp, 'assume-aws-role-backup-2.json')
    writeFileSync(
      backup,
      JSON.stringify({
        version: 2,
        changes: [{ path: credentials, created: true, edits: [edit('ci', written)] }],
        files: []
      }),
      { mode: 0o600 }
    )
    captured = prepareRunner({}, { RUNNER_TEMP: temp, HOME: home, STATE_profileBackup: backup })
    await cleanup()
    expect(readFileSync(credentials, 'utf8')).toContain('aws_access_key_id = CHANGED')
    expect(captured.lines.join('\n')).toContain('left [ci]')
  })

  test('a record whose bytes are not a section of ours removes nothing, with a warning', async () => {
    const { temp, home } = jobFolders()
    const credentials = join(home, '.aws', 'credentials')
    const user = '[ci]\naws_access_key_id = A\n[user]\nsecret = mine\n'
    writeFileSync(credentials, user)
    const backup = join(temp, 'assume-aws-role-backup-5.json')
    writeFileSync(
      backup,
      JSON.stringify({
        version: 2,
        changes: [
          { path: credentials, created: false, edits: [edit('ci', '[user]\nsecret = mine\n')] }
        ],
        files: []
      }),
      { mode: 0o600 }
    )
    captured = prepareRunner({}, { RUNNER_TEMP: temp, HOME: home, STATE_profileBackup: backup })
    await cleanup()
    expect(readFileSync(credentials, 'utf8')).toBe(user)
    expect(captured.lines.join('\n')).toContain('names sections this action never writes')
  })

  test('variables the main step never exports are not blanked', async () => {
    captured = prepareRunner(
      {},
      { STATE_exportedVariables: JSON.stringify(['PATH', 'AWS_REGION', 'NODE_OPTIONS']) }
    )
    await cleanup()
    expect(readEnvFile(captured)).toEqual({ AWS_REGION: '' })
    expect(captured.lines.filter(line => line.startsWith('::warning'))).toHaveLength(1)
  })
})
