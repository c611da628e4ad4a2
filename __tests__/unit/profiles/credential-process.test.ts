/**
 * credential-process mode (refresh-credentials with OIDC): the AWS CLI and SDKs read its stdout as
 * the credential_process JSON and embed its stderr in their own errors, so it prints no workflow
 * command at all, not even ::add-mask::, and only neutralised, redacted lines on stderr.
 */
import { afterEach, describe, expect, jest, test } from '@jest/globals'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { SignJWT } from 'jose'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareRunner, restoreRunner, type Captured } from '../../../test-support/runner-env.js'
import { idTokenEndpoint, tokenAnswer } from '../../../test-support/id-token-endpoint.js'

const { run } = await import('../../../src/profiles/credential-process.js')

const sts = mockClient(STSClient)
const TEMP = {
  AccessKeyId: 'ASIATEMPORARYKEY0001',
  SecretAccessKey: 'tempSecretKey/With+Special0123456789abcd',
  SessionToken: 'FwoGZXIvYXdzEJr//////////wEaDTemporarySessionToken',
  Expiration: new Date('2026-11-25T15:00:00Z')
}
let captured: Captured | undefined

afterEach(() => {
  restoreRunner(captured)
  captured = undefined
  sts.reset()
})

function configFile(changes: Record<string, unknown> = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cp-')), 'config.json')
  writeFileSync(
    file,
    JSON.stringify({
      requestUrl: 'https://pipelines.example.test/idtoken?api-version=2.0',
      requestToken: 'runner-request-token-value',
      audience: 'sts.amazonaws.com',
      roleArn: 'arn:aws:iam::111111111111:role/deploy',
      sessionName: 'GitHubActions',
      durationSeconds: 3600,
      region: 'eu-west-1',
      maxAttempts: 2,
      ...changes
    })
  )
  return file
}

function captureStderr(): string[] {
  const lines: string[] = []
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter(line => line !== '')
    )
    return true
  })
  return lines
}

describe('credential-process', () => {
  test('success: stdout is the JSON document only; no command anywhere', async () => {
    captured = prepareRunner({})
    const stderr = captureStderr()
    const token = await new SignJWT({
      sub: 'repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/main'
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('test-signing-key-of-enough-length'))
    idTokenEndpoint(tokenAnswer(token))
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: TEMP,
      AssumedRoleUser: {
        Arn: 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions',
        AssumedRoleId: 'AROAEXAMPLE:GitHubActions'
      }
    })
    await run([configFile()])
    expect(captured.lines).toHaveLength(1)
    expect(JSON.parse(captured.lines[0] ?? '')).toEqual({
      Version: 1,
      AccessKeyId: TEMP.AccessKeyId,
      SecretAccessKey: TEMP.SecretAccessKey,
      SessionToken: TEMP.SessionToken,
      Expiration: TEMP.Expiration.toISOString()
    })
    expect(stderr.filter(line => line.includes('::'))).toEqual([])
    expect(process.exitCode).toBeUndefined()
  })

  test('failure: retry and error lines on stderr, neutralised and redacted; nothing on stdout', async () => {
    captured = prepareRunner({})
    const stderr = captureStderr()
    idTokenEndpoint(
      { status: 503, body: '{}' },
      tokenAnswer('eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24K::warning::x.c2ln')
    )
    await run([configFile()])
    expect(captured.lines).toEqual([])
    expect(process.exitCode).toBe(1)
    expect(stderr.some(line => line.startsWith('ID token request attempt 1/2 failed'))).toBe(true)
    expect(stderr.at(-1)).toMatch(
      /^credential_process failed: BadAnswerError: GitHub's ID-token endpoint answered with an invalid ID token/
    )
    for (const line of stderr) {
      expect(line).not.toMatch(/^\s*::/)
      expect(line).not.toContain('runner-request-token-value')
    }
  })
})

describe('the launcher pairs the ID-token request URL with its own token only', () => {
  const stored = { requestUrl: 'https://stored.example/idtoken', requestToken: 'stored-token' }
  test('the stored pair, unless the environment has both halves of a fresh one', async () => {
    const { requestPair } = await import('../../../src/profiles/credential-process.js')
    expect(requestPair(stored, {})).toEqual(stored)
    expect(requestPair(stored, { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://evil.example/x' })).toEqual(
      stored
    )
    expect(requestPair(stored, { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'fresh' })).toEqual(stored)
    expect(
      requestPair(stored, {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://fresh.example/x',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'fresh'
      })
    ).toEqual({ requestUrl: 'https://fresh.example/x', requestToken: 'fresh' })
  })
})

describe('the launcher checks what it stored before any request', () => {
  test.each([
    [
      { requestUrl: 'http://pipelines.example.test/idtoken' },
      /ACTIONS_ID_TOKEN_REQUEST_URL\) must be an https:\/\/ URL/
    ],
    [
      { stsEndpoint: 'http://sts.corp.example:4566' },
      /the web identity token would cross the network in cleartext/
    ],
    [{ proxy: { url: 'http://u:stored-pw@proxy corp:1', fromInput: true } }, /value not shown/]
  ])('%j is refused, nothing sent', async (changes, rule) => {
    captured = prepareRunner({})
    const stderr = captureStderr()
    const spy = idTokenEndpoint(tokenAnswer('unused'))
    await run([configFile(changes)])
    expect(process.exitCode).toBe(1)
    expect(captured.lines).toEqual([])
    expect(spy).not.toHaveBeenCalled()
    expect(stderr.at(-1)).toMatch(rule)
    expect(stderr.join('\n')).not.toContain('stored-pw')
  })

  test('the stored token never goes to a URL from the environment', async () => {
    captured = prepareRunner(
      {},
      { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://elsewhere.example/idtoken' }
    )
    captureStderr()
    const spy = idTokenEndpoint({ status: 500, body: '{}' }, { status: 500, body: '{}' })
    await run([configFile()])
    const hosts = spy.mock.calls.map(([request]) => (request as { hostname: string }).hostname)
    const auth = spy.mock.calls.map(
      ([request]) => (request as { headers: Record<string, string> }).headers.authorization
    )
    expect(hosts.length).toBeGreaterThan(0)
    expect(new Set(hosts)).toEqual(new Set(['pipelines.example.test']))
    expect(new Set(auth)).toEqual(new Set(['Bearer runner-request-token-value']))
  })
})
