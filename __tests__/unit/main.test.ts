/**
 * The main and post steps in-process, STS mocked at the SDK level: each path's calls, what is
 * exported, what is masked and when, and that a failure exports nothing.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException
} from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { SignJWT } from 'jose'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  errors,
  linesLeaking,
  prepareRunner,
  readEnvFile,
  readOutputs,
  readState,
  readSummary,
  restoreRunner,
  type Captured
} from '../../test-support/runner-env.js'
import { PUSH_TAGS } from '../../test-support/github-context.js'
import { idTokenEndpoint, sentRequest, tokenAnswer } from '../../test-support/id-token-endpoint.js'

const { run } = await import('../../src/main.js')
const { run: cleanup } = await import('../../src/post/cleanup.js')
const { forgetSecrets } = await import('../../src/runner/secrets.js')

const sts = mockClient(STSClient)
const ROLE = 'arn:aws:iam::111111111111:role/deploy'
const SOURCE = { id: 'AKIAIOSFODNN7EXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
const TEMP = {
  AccessKeyId: 'ASIATEMPORARYKEY0001',
  SecretAccessKey: 'tempSecretKey/With+Special0123456789abcd',
  SessionToken: 'FwoGZXIvYXdzEJr//////////wEaDTemporarySessionToken',
  Expiration: new Date('2026-11-25T15:00:00Z')
}
const SESSION_ARN = 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'
const assumed = {
  Credentials: TEMP,
  AssumedRoleUser: { Arn: SESSION_ARN, AssumedRoleId: 'AROAEXAMPLE:GitHubActions' }
}
const keyInputs = {
  'aws-region': 'eu-west-1',
  'role-to-assume': ROLE,
  'aws-access-key-id': SOURCE.id,
  'aws-secret-access-key': SOURCE.secret
}
const SECRETS = [SOURCE.secret, TEMP.AccessKeyId, TEMP.SecretAccessKey, TEMP.SessionToken]

function stsError(name: string, message: string, status = 403): STSServiceException {
  return new STSServiceException({
    name,
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: status }
  })
}

async function idToken(claims: Record<string, unknown>, expiresInSeconds = 300): Promise<string> {
  return new SignJWT({
    sub: 'repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/main',
    aud: 'sts.amazonaws.com',
    ...claims
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://token.actions.githubusercontent.com')
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode('test-signing-key-of-enough-length'))
}

const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example.test/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token-value'
}

let captured: Captured | undefined
beforeEach(() => {
  sts.reset()
})
afterEach(() => {
  restoreRunner(captured)
  captured = undefined
  forgetSecrets()
})

function expectNothingExported(c: Captured): void {
  expect(readEnvFile(c)).toEqual({})
  expect(readOutputs(c)).toEqual({})
  expect(process.exitCode).toBe(1)
  expect(errors(c)).toHaveLength(1)
}

describe('access keys → AssumeRole', () => {
  test('exports the temporary credentials and region, sets outputs, makes exactly one STS call', async () => {
    captured = prepareRunner(keyInputs)
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()

    expect(process.exitCode).toBeUndefined()
    expect(readEnvFile(captured)).toEqual({
      AWS_ACCESS_KEY_ID: TEMP.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: TEMP.SecretAccessKey,
      AWS_SESSION_TOKEN: TEMP.SessionToken,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1'
    })
    expect(readOutputs(captured)).toEqual({
      'aws-account-id': '111111111111',
      'authenticated-arn': SESSION_ARN
    })
    expect(sts.calls()).toHaveLength(1)
    const input = sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input
    expect(input).toMatchObject({
      RoleArn: ROLE,
      RoleSessionName: 'GitHubActions',
      DurationSeconds: 3600
    })
    expect(input?.ExternalId).toBeUndefined()
    expect(input?.Tags).toEqual(PUSH_TAGS)
    expect(captured.lines).toContain(
      `Assumed ${SESSION_ARN} in account 111111111111 (AssumeRole, expires 2026-11-25T15:00:00.000Z)`
    )
    expect(JSON.parse(readState(captured).exportedVariables ?? '[]')).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_REGION',
      'AWS_DEFAULT_REGION'
    ])
  })

  test('masks the source secret and every temporary credential before any line could show them, in debug mode too', async () => {
    captured = prepareRunner({ ...keyInputs, 'output-credentials': 'true' }, { RUNNER_DEBUG: '1' })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()

    const masks = captured.lines.filter(line => line.startsWith('::add-mask::'))
    expect(masks).toEqual(expect.arrayContaining(SECRETS.map(secret => `::add-mask::${secret}`)))
    // The source key ID first (configure-aws-credentials masks it too), then its secret.
    expect(captured.lines.slice(0, 2)).toEqual([
      `::add-mask::${SOURCE.id}`,
      `::add-mask::${SOURCE.secret}`
    ])
    expect(linesLeaking(captured.lines, SECRETS)).toEqual([])
    expect(readOutputs(captured)).toMatchObject({
      'aws-access-key-id': TEMP.AccessKeyId,
      'aws-secret-access-key': TEMP.SecretAccessKey,
      'aws-session-token': TEMP.SessionToken,
      'aws-expiration': '2026-11-25T15:00:00.000Z'
    })
  })

  test('external ID, session name, duration, policies and custom tags reach STS as given', async () => {
    captured = prepareRunner({
      ...keyInputs,
      'role-to-assume': 'arn:aws:iam::222222222222:role/AllowPutToS3',
      'role-external-id': 'shared-external-id',
      'role-session-name': 'deploy@ci',
      'role-duration-seconds': '900',
      'custom-tags': '{"Team":"platform","CostCenter":42}',
      'transitive-tag-keys': 'Team',
      'inline-session-policy': '{ "Version": "2012-10-17", "Statement": [] }',
      'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess'
    })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()

    const input = sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input
    expect(input).toMatchObject({
      RoleArn: 'arn:aws:iam::222222222222:role/AllowPutToS3',
      ExternalId: 'shared-external-id',
      RoleSessionName: 'deploy@ci',
      DurationSeconds: 900,
      TransitiveTagKeys: ['Team'],
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }]
    })
    expect(input?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Team', Value: 'platform' },
        { Key: 'CostCenter', Value: '42' }
      ])
    )
  })

  test('role-skip-session-tagging sends no context tags', async () => {
    captured = prepareRunner({ ...keyInputs, 'role-skip-session-tagging': 'TRUE' })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Tags).toBeUndefined()
  })

  test('context values STS would refuse are cleaned in tags', async () => {
    captured = prepareRunner(keyInputs, {
      GITHUB_WORKFLOW: 'Deploy (prod) #1 ✓',
      GITHUB_REF: 'refs/heads/feat/a&b'
    })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    const tags = sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Tags ?? []
    expect(tags).toContainEqual({ Key: 'Workflow', Value: 'Deploy _prod_ _1 _' })
    expect(tags).toContainEqual({ Key: 'Branch', Value: 'refs/heads/feat/a_b' })
  })

  const PR_ENV = {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_BASE_REF: 'main',
    GITHUB_HEAD_REF: 'feature/x',
    GITHUB_RUN_ID: '4242',
    GITHUB_JOB: 'deploy',
    GITHUB_TRIGGERING_ACTOR: 'octocat'
  }
  const DROPPABLE = ['EventName', 'BaseRef', 'HeadRef', 'RunId', 'Job', 'TriggeringActor']
  const tooLarge = (): STSServiceException =>
    stsError(
      'PackedPolicyTooLargeException',
      'Packed size of session tags consumes 104% of allotted space.',
      400
    )
  const sentKeys = (call: number): string[] =>
    (sts.commandCalls(AssumeRoleCommand)[call]?.args[0].input.Tags ?? []).map(t => t.Key ?? '')

  test('PackedPolicyTooLarge: one retry without the six droppable tags, logged', async () => {
    captured = prepareRunner(
      { ...keyInputs, 'custom-tags': '{"Team":"x"}', 'transitive-tag-keys': 'Job,Team' },
      PR_ENV
    )
    sts.on(AssumeRoleCommand).rejectsOnce(tooLarge()).resolves(assumed)
    await run()
    expect(process.exitCode).toBeUndefined()
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2)
    expect(sentKeys(0)).toEqual(expect.arrayContaining([...DROPPABLE, 'Team']))
    expect(sentKeys(1)).toEqual([
      'GitHub',
      'Repository',
      'Workflow',
      'Action',
      'Actor',
      'Commit',
      'Branch',
      'Team'
    ])
    // A transitive key naming a dropped tag goes with it, or STS would refuse the retry.
    expect(sts.commandCalls(AssumeRoleCommand)[1]?.args[0].input.TransitiveTagKeys).toEqual([
      'Team'
    ])
    expect(captured.lines).toContain(
      'STS answered PackedPolicyTooLarge (session tags too large once packed); retrying once without the tags EventName, BaseRef, HeadRef, RunId, Job, TriggeringActor'
    )
  })

  test('PackedPolicyTooLarge twice: the step fails after the one retry', async () => {
    captured = prepareRunner(keyInputs, PR_ENV)
    sts.on(AssumeRoleCommand).rejects(tooLarge())
    await run()
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2)
    expectNothingExported(captured)
  })

  test('PackedPolicyTooLarge with nothing droppable (role-skip-session-tagging): no retry', async () => {
    captured = prepareRunner(
      { ...keyInputs, 'role-skip-session-tagging': 'true', 'custom-tags': '{"Team":"x"}' },
      PR_ENV
    )
    sts.on(AssumeRoleCommand).rejects(tooLarge())
    await run()
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1)
    expectNothingExported(captured)
  })

  test('a bare role name is resolved against the caller account: GetCallerIdentity then AssumeRole', async () => {
    captured = prepareRunner({ ...keyInputs, 'role-to-assume': 'deploy' })
    sts.on(GetCallerIdentityCommand).resolves({
      Arn: 'arn:aws:iam::111111111111:user/personal/localuser',
      Account: '111111111111'
    })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    expect(sts.calls()).toHaveLength(2)
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(ROLE)
  })

  test('mask-aws-account-id masks the account and ARN before they are printed', async () => {
    captured = prepareRunner({ ...keyInputs, 'mask-aws-account-id': 'true' }, { RUNNER_DEBUG: '1' })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    expect(linesLeaking(captured.lines, ['111111111111', SESSION_ARN])).toEqual([])
    expect(captured.lines).toContain('::add-mask::111111111111')
  })

  test('output-env-credentials false exports only the region', async () => {
    captured = prepareRunner({ ...keyInputs, 'output-env-credentials': 'false' })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    expect(readEnvFile(captured)).toEqual({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1'
    })
  })
})

describe('access keys without a role', () => {
  test('exports the keys as they are after one GetCallerIdentity, and blanks a stale session token', async () => {
    captured = prepareRunner(
      {
        'aws-region': 'us-east-1',
        'aws-access-key-id': SOURCE.id,
        'aws-secret-access-key': SOURCE.secret
      },
      { AWS_SESSION_TOKEN: 'stale-token-from-an-earlier-step' }
    )
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Arn: 'arn:aws:iam::111111111111:user/robot', Account: '111111111111' })
    await run()
    expect(sts.calls()).toHaveLength(1)
    expect(readEnvFile(captured)).toMatchObject({
      AWS_ACCESS_KEY_ID: SOURCE.id,
      AWS_SECRET_ACCESS_KEY: SOURCE.secret,
      AWS_SESSION_TOKEN: ''
    })
    expect(readOutputs(captured)['authenticated-arn']).toBe('arn:aws:iam::111111111111:user/robot')
  })
})

describe('GitHub OIDC → AssumeRoleWithWebIdentity', () => {
  test('fetches a token for the audience, makes one STS call without tags, masks the token', async () => {
    const token = await idToken({})
    captured = prepareRunner(
      { 'aws-region': 'us-east-1', 'role-to-assume': ROLE, audience: 'sts.amazonaws.com' },
      OIDC_ENV
    )
    const fetchSpy = idTokenEndpoint(tokenAnswer(token))
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumed)
    await run()

    expect(process.exitCode).toBeUndefined()
    expect(fetchSpy).toHaveBeenCalledTimes(1)
    const { url, headers } = sentRequest(fetchSpy)
    expect(url.href).toBe(
      'https://pipelines.example.test/idtoken?api-version=2.0&audience=sts.amazonaws.com'
    )
    expect(headers.authorization).toBe('Bearer runner-request-token-value')
    expect(sts.calls()).toHaveLength(1)
    const input = sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]?.args[0].input
    expect(input).toMatchObject({
      RoleArn: ROLE,
      WebIdentityToken: token,
      RoleSessionName: 'GitHubActions'
    })
    expect(input).not.toHaveProperty('Tags')
    expect(captured.lines).toContain(`::add-mask::${token}`)
    expect(linesLeaking(captured.lines, [...SECRETS, token])).toEqual([])
    expect(readEnvFile(captured).AWS_ACCESS_KEY_ID).toBe(TEMP.AccessKeyId)
  })

  test('a token endpoint answering 503 twice is retried, then works', async () => {
    const token = await idToken({})
    captured = prepareRunner({ 'aws-region': 'us-east-1', 'role-to-assume': ROLE }, OIDC_ENV)
    const fetchSpy = idTokenEndpoint(
      { status: 503, body: 'busy' },
      { status: 503, body: 'busy' },
      tokenAnswer(token)
    )
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumed)
    await run()
    expect(fetchSpy).toHaveBeenCalledTimes(3)
    expect(captured.lines.filter(line => line.startsWith('ID token request attempt'))).toHaveLength(
      2
    )
    expect(process.exitCode).toBeUndefined()
  })

  test('a 403 from the token endpoint is not retried', async () => {
    captured = prepareRunner({ 'aws-region': 'us-east-1', 'role-to-assume': ROLE }, OIDC_ENV)
    const fetchSpy = idTokenEndpoint({ status: 403, body: 'no' }, { status: 403, body: 'no' })
    await run()
    expect(fetchSpy).toHaveBeenCalledTimes(1)
    expect(sts.calls()).toHaveLength(0)
    expectNothingExported(captured)
  })

  test('when STS says the token expired, a fresh token is fetched once and used', async () => {
    const first = await idToken({ jti: 'first' })
    const second = await idToken({ jti: 'second' })
    captured = prepareRunner({ 'aws-region': 'us-east-1', 'role-to-assume': ROLE }, OIDC_ENV)
    const fetchSpy = idTokenEndpoint(tokenAnswer(first), tokenAnswer(second))
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejectsOnce(stsError('ExpiredTokenException', 'Token expired', 400))
      .resolves(assumed)
    await run()
    expect(fetchSpy).toHaveBeenCalledTimes(2)
    const tokens = sts
      .commandCalls(AssumeRoleWithWebIdentityCommand)
      .map(call => call.args[0].input.WebIdentityToken)
    expect(tokens).toEqual([first, second])
    expect(process.exitCode).toBeUndefined()
  })

  test('force-skip-oidc uses the environment instead of requesting a token', async () => {
    captured = prepareRunner(
      { 'aws-region': 'us-east-1', 'role-to-assume': ROLE, 'force-skip-oidc': 'true' },
      { ...OIDC_ENV, AWS_ACCESS_KEY_ID: SOURCE.id, AWS_SECRET_ACCESS_KEY: SOURCE.secret }
    )
    const fetchSpy = idTokenEndpoint()
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1)
  })

  test('without OIDC variables on a GitHub-hosted runner: the id-token permission is named, no call is made', async () => {
    captured = prepareRunner(
      { 'aws-region': 'us-east-1', 'role-to-assume': ROLE },
      { RUNNER_ENVIRONMENT: 'github-hosted' }
    )
    await run()
    expect(sts.calls()).toHaveLength(0)
    expectNothingExported(captured)
    expect(errors(captured)[0]).toContain('id-token: write')
    expect(readSummary(captured)).toContain('permissions:\n  id-token: write')
  })
})

describe('web identity token file', () => {
  test('reads the token relative to the workspace and assumes with it', async () => {
    const token = await idToken({})
    captured = prepareRunner({
      'aws-region': 'us-east-1',
      'role-to-assume': ROLE,
      'web-identity-token-file': 'token.jwt'
    })
    process.env.GITHUB_WORKSPACE = captured.files.dir
    writeFileSync(join(captured.files.dir, 'token.jwt'), `${token}\n`)
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumed)
    await run()
    expect(
      sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]?.args[0].input.WebIdentityToken
    ).toBe(token)
    expect(captured.lines).toContain(`::add-mask::${token}`)
  })

  test('a missing file names the input and calls nothing', async () => {
    captured = prepareRunner({
      'aws-region': 'us-east-1',
      'role-to-assume': ROLE,
      'web-identity-token-file': '/nonexistent/token'
    })
    await run()
    expect(sts.calls()).toHaveLength(0)
    expectNothingExported(captured)
    expect(errors(captured)[0]).toContain('web-identity-token-file')
  })

  test.each([
    ['abc', 3],
    ['x'.repeat(20_001), 20_001]
  ])(
    "a token STS's model refuses (%#) names the input and calls nothing",
    async (token, length) => {
      captured = prepareRunner({
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE,
        'web-identity-token-file': 'token'
      })
      process.env.GITHUB_WORKSPACE = captured.files.dir
      writeFileSync(join(captured.files.dir, 'token'), token)
      await run()
      expect(sts.calls()).toHaveLength(0)
      expectNothingExported(captured)
      expect(errors(captured)[0]).toContain(
        `web-identity-token-file' holds a token of ${length} characters; STS accepts 4 to 20000`
      )
    }
  )
})

describe('role chaining', () => {
  test('assumes from the credentials already in the environment, with the source token', async () => {
    captured = prepareRunner(
      {
        'aws-region': 'us-east-1',
        'role-to-assume': 'arn:aws:iam::111111111111:role/chained',
        'role-chaining': 'true'
      },
      {
        AWS_ACCESS_KEY_ID: TEMP.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: TEMP.SecretAccessKey,
        AWS_SESSION_TOKEN: TEMP.SessionToken
      }
    )
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1)
    const credentials = await sts.commandCalls(AssumeRoleCommand)[0]?.thisValue.config.credentials()
    expect(credentials).toMatchObject({
      accessKeyId: TEMP.AccessKeyId,
      sessionToken: TEMP.SessionToken
    })
  })

  test('a duration over one hour is refused before any call', async () => {
    captured = prepareRunner(
      {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE,
        'role-chaining': 'true',
        'role-duration-seconds': '7200'
      },
      { AWS_ACCESS_KEY_ID: TEMP.AccessKeyId, AWS_SECRET_ACCESS_KEY: TEMP.SecretAccessKey }
    )
    await run()
    expect(sts.calls()).toHaveLength(0)
    expectNothingExported(captured)
    expect(errors(captured)[0]).toContain('role-duration-seconds')
  })
})

describe('failures export nothing', () => {
  test('AccessDenied fails at once, explains both sides, exports nothing, echoes no secret', async () => {
    captured = prepareRunner(keyInputs)
    sts
      .on(AssumeRoleCommand)
      .rejects(
        stsError(
          'AccessDenied',
          `User: arn:aws:iam::111111111111:user/personal/localuser is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`
        )
      )
    const started = Date.now()
    await run()
    expect(Date.now() - started).toBeLessThan(2000)
    expect(sts.calls()).toHaveLength(1)
    expectNothingExported(captured)
    expect(errors(captured)[0]).toContain(
      'arn:aws:iam::111111111111:user/personal/localuser may not assume'
    )
    expect(readSummary(captured)).toContain('"Resource": "arn:aws:iam::111111111111:role/deploy"')
    expect(linesLeaking(captured.lines, SECRETS)).toEqual([])
    expect(readSummary(captured)).not.toContain(SOURCE.secret)
  })

  test('allowed-account-ids refuses another account: nothing exported, both accounts named', async () => {
    captured = prepareRunner({ ...keyInputs, 'allowed-account-ids': '222222222222, 333333333333' })
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    expectNothingExported(captured)
    expect(errors(captured)[0]).toContain(
      'account 111111111111, which is not in allowed-account-ids (222222222222, 333333333333)'
    )
    expect(linesLeaking(captured.lines, SECRETS)).toEqual([])
  })

  test('an STS message echoing a secret is redacted from the annotation and the summary', async () => {
    captured = prepareRunner(keyInputs)
    sts
      .on(AssumeRoleCommand)
      .rejects(stsError('InternalFailure', `something about ${SOURCE.secret}`, 400))
    await run()
    expectNothingExported(captured)
    expect(errors(captured)[0]).not.toContain(SOURCE.secret)
    expect(errors(captured)[0]).toContain('***')
    expect(readSummary(captured)).not.toContain(SOURCE.secret)
  })

  test('a 200 without credentials is a clear error', async () => {
    captured = prepareRunner(keyInputs)
    sts
      .on(AssumeRoleCommand)
      .resolves({ AssumedRoleUser: { Arn: SESSION_ARN, AssumedRoleId: 'x' } })
    await run()
    expectNothingExported(captured)
    expect(errors(captured)[0]).toContain('STS answered without credentials')
  })
})

describe('STS-compatible servers', () => {
  test('an ARN without account is accepted with sts-endpoint and leaves aws-account-id empty', async () => {
    captured = prepareRunner({
      ...keyInputs,
      'role-to-assume': 'arn:aws:iam:::role/minio',
      'sts-endpoint': 'http://127.0.0.1:9000'
    })
    sts.on(AssumeRoleCommand).resolves({
      ...assumed,
      AssumedRoleUser: {
        Arn: 'arn:aws:sts:::assumed-role/minio/GitHubActions',
        AssumedRoleId: 'x'
      }
    })
    await run()
    expect(process.exitCode).toBeUndefined()
    expect(readOutputs(captured)['aws-account-id']).toBe('')
  })
})

describe('special-characters-workaround', () => {
  test('assumes again until the secret has only letters and digits', async () => {
    captured = prepareRunner({ ...keyInputs, 'special-characters-workaround': 'true' })
    const plain = { ...TEMP, SecretAccessKey: 'OnlyLettersAndDigits0123456789abcdefghij' }
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(assumed)
      .resolves({ ...assumed, Credentials: plain })
    await run()
    expect(sts.calls()).toHaveLength(2)
    expect(readEnvFile(captured).AWS_SECRET_ACCESS_KEY).toBe(plain.SecretAccessKey)
    expect(linesLeaking(captured.lines, [TEMP.SecretAccessKey, plain.SecretAccessKey])).toEqual([])
  })
})

describe('post step', () => {
  test('blanks exactly what the main step exported', async () => {
    captured = prepareRunner(keyInputs)
    sts.on(AssumeRoleCommand).resolves(assumed)
    await run()
    const state = readState(captured)
    const post = prepareRunner({}, { STATE_exportedVariables: state.exportedVariables ?? '' })
    await cleanup()
    expect(readEnvFile(post)).toEqual({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: ''
    })
    expect(process.exitCode).toBeUndefined()
    restoreRunner(post)
  })

  test('respects AWS_SKIP_CLEANUP_STEP and never fails on bad state', async () => {
    captured = prepareRunner(
      {},
      { STATE_exportedVariables: '["AWS_ACCESS_KEY_ID"]', AWS_SKIP_CLEANUP_STEP: 'true' }
    )
    await cleanup()
    expect(readEnvFile(captured)).toEqual({})
    process.env.AWS_SKIP_CLEANUP_STEP = ''
    process.env.STATE_exportedVariables = '{not json'
    await cleanup()
    expect(readEnvFile(captured)).toEqual({})
    expect(process.exitCode).toBeUndefined()
  })
})
