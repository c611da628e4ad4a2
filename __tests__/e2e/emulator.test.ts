/**
 * Proves the loopback STS/S3/OIDC emulator behaves like AWS for the real clients the project
 * relies on: the AWS SDK v3 STS client and the AWS CLI (spawned asynchronously, since the
 * emulator shares this process's event loop).
 */
import { execFile } from 'node:child_process'
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type AssumeRoleCommandInput,
  type Credentials
} from '@aws-sdk/client-sts'
import { SignatureV4 } from '@smithy/signature-v4'
import { Hash } from '@smithy/hash-node'
import { SEED, seedWorld, startEmulator, type Emulator } from '../../test-support/emulator/index.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator()
})

afterAll(async () => {
  await emu.close()
})

beforeEach(() => {
  emu.clearFaults()
  emu.resetStats()
  emu.clock.reset()
  emu.clock.credentialLifetimeSeconds = undefined
})

interface KeyPair {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** Retries like the SDK's standard strategy would, minus the backoff (keeps tests fast). */
function fastRetry(maxAttempts: number) {
  type Token = { getRetryCount: () => number; getRetryDelay: () => number }
  const token = (n: number): Token => ({ getRetryCount: () => n, getRetryDelay: () => 1 })
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (t: Token, info: { errorType: string }) => {
      if (info.errorType === 'CLIENT_ERROR' || t.getRetryCount() + 1 >= maxAttempts) {
        throw new Error('no more retries')
      }
      return token(t.getRetryCount() + 1)
    },
    recordSuccess: () => undefined
  }
}

function sts(credentials?: KeyPair, opts: { region?: string; maxAttempts?: number } = {}) {
  return new STSClient({
    endpoint: emu.url,
    region: opts.region ?? 'us-east-1',
    credentials: credentials ?? {
      accessKeyId: SEED.user.accessKeyId,
      secretAccessKey: SEED.user.secretAccessKey
    },
    retryStrategy: fastRetry(opts.maxAttempts ?? 1)
  })
}

function keysOf(c: Credentials | undefined): KeyPair {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no credentials')
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken
  }
}

async function assume(input: Partial<AssumeRoleCommandInput>, creds?: KeyPair) {
  return sts(creds).send(
    new AssumeRoleCommand({ RoleArn: SEED.roles.deploy, RoleSessionName: 'e2e', ...input })
  )
}

/** Resolves to the thrown error so tests can assert on code, status and message. */
async function failure(
  p: Promise<unknown>
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode }
  }
  throw new Error('expected the call to fail')
}

async function idToken(audience = 'sts.amazonaws.com'): Promise<string> {
  const res = await fetch(`${emu.oidcRequestUrl}&audience=${encodeURIComponent(audience)}`, {
    headers: { Authorization: `Bearer ${emu.oidcRequestToken}` }
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { value: string }).value
}

function webIdentity(token: string, roleArn: string = SEED.roles.githubDeploy, duration?: number) {
  // No credentials: AssumeRoleWithWebIdentity is unsigned.
  return new STSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    retryStrategy: fastRetry(1)
  }).send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: 'gha',
      WebIdentityToken: token,
      DurationSeconds: duration
    })
  )
}

async function postForm(params: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(emu.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Version: '2011-06-15', ...params }).toString()
  })
  return { status: res.status, text: await res.text() }
}

const denied = (caller: string, action: string, role: string): string =>
  `User: ${caller} is not authorized to perform: ${action} on resource: ${role}`

describe('SigV4 and AssumeRole', () => {
  it('lets the user assume deploy and the session call GetCallerIdentity', async () => {
    const out = await assume({ RoleSessionName: 'e2e-session', DurationSeconds: 7200 })
    expect(out.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::111111111111:assumed-role/deploy/e2e-session'
    )
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:e2e-session$/)
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    const expiresIn = (out.Credentials?.Expiration?.getTime() ?? 0) - Date.now()
    expect(expiresIn).toBeGreaterThan(7100_000)
    expect(expiresIn).toBeLessThanOrEqual(7200_000)

    const me = await sts(keysOf(out.Credentials)).send(new GetCallerIdentityCommand({}))
    expect(me.Arn).toBe('arn:aws:sts::111111111111:assumed-role/deploy/e2e-session')
    expect(me.Account).toBe('111111111111')
    expect(me.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId)
  })

  it('answers SignatureDoesNotMatch for a wrong secret', async () => {
    const err = await failure(
      sts({ ...SEED.user, secretAccessKey: 'wrong' }).send(new GetCallerIdentityCommand({}))
    )
    expect(err).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
    })
  })

  it('answers InvalidClientTokenId for an unknown key and for a missing session token', async () => {
    const unknown = await failure(
      sts({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' }).send(
        new GetCallerIdentityCommand({})
      )
    )
    expect(unknown).toEqual({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.'
    })
    const creds = keysOf((await assume({})).Credentials)
    const noToken = await failure(
      sts({ ...creds, sessionToken: undefined }).send(new GetCallerIdentityCommand({}))
    )
    expect(noToken.name).toBe('InvalidClientTokenId')
    const wrongToken = await failure(
      sts({ ...creds, sessionToken: 'forged' }).send(new GetCallerIdentityCommand({}))
    )
    expect(wrongToken.name).toBe('InvalidClientTokenId')
  })

  it('answers ExpiredToken once the emulator clock passes the expiration', async () => {
    const creds = keysOf((await assume({ DurationSeconds: 900 })).Credentials)
    await expect(sts(creds).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined()
    emu.clock.advance(901)
    const err = await failure(sts(creds).send(new GetCallerIdentityCommand({})))
    expect(err).toEqual({
      name: 'ExpiredToken',
      status: 400,
      message: 'The security token included in the request is expired'
    })
  })

  it('caps issued lifetimes with credentialLifetimeSeconds', async () => {
    emu.clock.credentialLifetimeSeconds = 5
    const out = await assume({ DurationSeconds: 3600 })
    const expiresIn = (out.Credentials?.Expiration?.getTime() ?? 0) - Date.now()
    expect(expiresIn).toBeGreaterThan(3_000)
    expect(expiresIn).toBeLessThanOrEqual(5_000)
  })

  it('refuses a role the identity policy does not grant, even though the trust names the user', async () => {
    const err = await failure(assume({ RoleArn: SEED.roles.trustOnly }))
    expect(err).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: denied(SEED.user.arn, 'sts:AssumeRole', SEED.roles.trustOnly)
    })
    const robot = await failure(assume({ RoleArn: SEED.roles.deploy }, SEED.robot))
    expect(robot.message).toBe(denied(SEED.robot.arn, 'sts:AssumeRole', SEED.roles.deploy))
    const ok = await assume({ RoleArn: SEED.roles.robot }, SEED.robot)
    expect(ok.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/robot/e2e')
  })

  it('answers AccessDenied for an unknown role', async () => {
    const role = 'arn:aws:iam::111111111111:role/does-not-exist'
    const err = await failure(assume({ RoleArn: role }))
    expect(err.name).toBe('AccessDenied')
    expect(err.message).toBe(denied(SEED.user.arn, 'sts:AssumeRole', role))
  })

  it('enforces the external ID on the cross-account role', async () => {
    const ok = await assume({ RoleArn: SEED.roles.crossAccount, ExternalId: SEED.externalId })
    expect(ok.AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/AllowPutToS3/e2e')
    const expected = {
      name: 'AccessDenied',
      status: 403,
      message: denied(SEED.user.arn, 'sts:AssumeRole', SEED.roles.crossAccount)
    }
    expect(
      await failure(assume({ RoleArn: SEED.roles.crossAccount, ExternalId: 'wrong-id' }))
    ).toEqual(expected)
    expect(await failure(assume({ RoleArn: SEED.roles.crossAccount }))).toEqual(expected)
    expect(emu.lastRequest('AssumeRole')?.externalId).toBeUndefined()
  })

  it('validates DurationSeconds against the role maximum and the chaining limit', async () => {
    const overMax = await failure(
      assume({ RoleArn: SEED.roles.shortSession, DurationSeconds: 7200 })
    )
    expect(overMax).toEqual({
      name: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'
    })
    const tooShort = await failure(assume({ DurationSeconds: 600 }))
    expect(tooShort.message).toBe(
      "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    )
    expect(emu.takeModelViolations()).toEqual([
      "AssumeRole: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    ])

    const deploy = keysOf((await assume({ DurationSeconds: 7200 })).Credentials)
    const chainedTooLong = await failure(
      assume({ RoleArn: SEED.roles.chainTarget, DurationSeconds: 7200 }, deploy)
    )
    expect(chainedTooLong).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'
    })
    const chained = await assume({ RoleArn: SEED.roles.chainTarget, DurationSeconds: 3600 }, deploy)
    expect(chained.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::111111111111:assumed-role/chain-target/e2e'
    )
    const issued = emu
      .issuedCredentials()
      .find(c => c.accessKeyId === chained.Credentials?.AccessKeyId)
    expect(issued?.chained).toBe(true)
    // The user cannot jump to chain-target directly: only deploy sessions are trusted.
    expect((await failure(assume({ RoleArn: SEED.roles.chainTarget }))).name).toBe('AccessDenied')
  })

  it('validates RoleSessionName like STS', async () => {
    const err = await failure(assume({ RoleSessionName: 'has space' }))
    expect(err).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    })
    expect(emu.takeModelViolations()).toHaveLength(1)
  })

  it('refuses tags without sts:TagSession and source identity without sts:SetSourceIdentity', async () => {
    const tags = [{ Key: 'Repository', Value: 'octo-org/octo-repo' }]
    const noTags = await failure(assume({ RoleArn: SEED.roles.noTags, Tags: tags }))
    expect(noTags).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: denied(SEED.user.arn, 'sts:TagSession', SEED.roles.noTags)
    })
    await expect(assume({ RoleArn: SEED.roles.noTags })).resolves.toBeDefined()
    const src = await failure(
      assume({ RoleArn: SEED.roles.shortSession, SourceIdentity: 'octocat' })
    )
    expect(src.message).toBe(
      denied(SEED.user.arn, 'sts:SetSourceIdentity', SEED.roles.shortSession)
    )
    const ok = await assume({
      SourceIdentity: 'octocat',
      Tags: tags,
      TransitiveTagKeys: ['Repository']
    })
    expect(ok.SourceIdentity).toBe('octocat')
    expect(ok.PackedPolicySize).toBeGreaterThan(0)
    const rec = emu.lastRequest('AssumeRole')
    expect(rec?.tags).toEqual(tags)
    expect(rec?.transitiveTagKeys).toEqual(['Repository'])
    expect(rec?.sourceIdentity).toBe('octocat')
  })

  it('rejects too many tags, oversized packed tags and malformed policies', async () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))
    const tooMany = await failure(assume({ Tags: many }))
    expect(tooMany.name).toBe('ValidationError')
    expect(tooMany.message).toMatch(
      /^1 validation error detected: Value '.*' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50$/
    )
    expect(emu.takeModelViolations()).toEqual([
      expect.stringMatching(/^AssumeRole: Value '.*' at 'tags' failed to satisfy/)
    ])
    const big = Array.from({ length: 20 }, (_, i) => ({
      Key: `key-${i}-${Math.random().toString(36).slice(2)}`,
      Value: Array.from({ length: 8 }, () => Math.random().toString(36).slice(2)).join('')
    }))
    const packed = await failure(assume({ Tags: big }))
    // The SDK names the modelled exception; the wire code is STS's.
    expect(packed.name).toBe('PackedPolicyTooLargeException')
    expect(emu.lastRequest('AssumeRole')?.errorCode).toBe('PackedPolicyTooLarge')
    expect(packed.message).toMatch(
      /^Packed size of session tags consumes \d+% of allotted space\.$/
    )
    const policy = await failure(assume({ Policy: '{not json' }))
    expect(policy.name).toBe('MalformedPolicyDocumentException')
    expect(emu.lastRequest('AssumeRole')?.errorCode).toBe('MalformedPolicyDocument')
  })

  it('answers RegionDisabledException when STS is off in the region for the role account', async () => {
    emu.world.accounts = {
      ...emu.world.accounts,
      '222222222222': { disabledRegions: ['eu-west-1'] }
    }
    try {
      const err = await failure(
        sts(SEED.user, { region: 'eu-west-1' }).send(
          new AssumeRoleCommand({
            RoleArn: SEED.roles.crossAccount,
            RoleSessionName: 'e2e',
            ExternalId: SEED.externalId
          })
        )
      )
      expect(err).toEqual({
        name: 'RegionDisabledException',
        status: 403,
        message:
          'STS is not activated in this region for account:222222222222. Your account administrator can activate STS in this region using the IAM Console.'
      })
      expect(emu.lastRequest('AssumeRole')?.region).toBe('eu-west-1')
    } finally {
      emu.world.accounts = { ...emu.world.accounts, '222222222222': {} }
    }
  })

  it('accepts empty-account role ARNs only when the world allows them', async () => {
    expect((await failure(assume({ RoleArn: SEED.roles.emptyAccount }))).name).toBe('AccessDenied')
    emu.world.allowEmptyAccountRoleArns = true
    try {
      const ok = await assume({ RoleArn: SEED.roles.emptyAccount })
      expect(ok.AssumedRoleUser?.Arn).toBe('arn:aws:sts:::assumed-role/rgw-deploy/e2e')
    } finally {
      emu.world.allowEmptyAccountRoleArns = false
    }
  })
})

describe('GitHub OIDC and AssumeRoleWithWebIdentity', () => {
  it('serves ID tokens only to the right bearer', async () => {
    const bad = await fetch(`${emu.oidcRequestUrl}&audience=sts.amazonaws.com`, {
      headers: { Authorization: 'Bearer nope' }
    })
    expect(bad.status).toBe(401)
    const token = await idToken()
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
      string,
      unknown
    >
    expect(claims).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'sts.amazonaws.com',
      sub: 'repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/main',
      repository: 'octo-org/octo-repo'
    })
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300)
    expect(emu.lastRequest('idToken')?.audience).toBe('sts.amazonaws.com')
    const jwks = (await (await fetch(emu.jwksUrl)).json()) as { keys: { kty: string }[] }
    expect(jwks.keys[0].kty).toBe('RSA')
  })

  it('assumes github-deploy with a good token', async () => {
    const out = await webIdentity(await idToken())
    expect(out.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::111111111111:assumed-role/github-deploy/gha'
    )
    expect(out.SubjectFromWebIdentityToken).toBe(
      'repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/main'
    )
    expect(out.Audience).toBe('sts.amazonaws.com')
    expect(out.Provider).toBe('https://token.actions.githubusercontent.com')
    const me = await sts(keysOf(out.Credentials)).send(new GetCallerIdentityCommand({}))
    expect(me.Arn).toBe('arn:aws:sts::111111111111:assumed-role/github-deploy/gha')
  })

  it('works for the per-account github-deploy roles (matrix)', async () => {
    const token = await idToken()
    const arns = await Promise.all(
      SEED.githubDeployRoles.map(
        async role => (await webIdentity(token, role)).AssumedRoleUser?.Arn
      )
    )
    expect(arns).toEqual([
      'arn:aws:sts::111111111111:assumed-role/github-deploy/gha',
      'arn:aws:sts::222222222222:assumed-role/github-deploy/gha',
      'arn:aws:sts::333333333333:assumed-role/github-deploy/gha'
    ])
  })

  it('denies a token whose sub the trust policy does not match', async () => {
    emu.setIdTokenClaims({ ref: 'refs/heads/feature' })
    try {
      const err = await failure(webIdentity(await idToken()))
      expect(err).toEqual({
        name: 'AccessDenied',
        status: 403,
        message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity'
      })
      expect(
        JSON.parse(
          Buffer.from(
            (emu.lastRequest('AssumeRoleWithWebIdentity')?.webIdentityToken ?? '').split('.')[1],
            'base64url'
          ).toString()
        ).sub
      ).toBe('repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/feature')
    } finally {
      emu.setIdTokenClaims({ ref: undefined })
    }
  })

  it('rejects a wrong audience, an expired token and a forged signature', async () => {
    const aud = await failure(webIdentity(await idToken('https://github.com/octo-org')))
    expect(aud).toEqual({
      name: 'InvalidIdentityTokenException',
      status: 400,
      message: 'Incorrect token audience'
    })
    expect(emu.lastRequest('AssumeRoleWithWebIdentity')?.errorCode).toBe('InvalidIdentityToken')

    const expired = await failure(
      webIdentity(await emu.mintIdToken({ aud: 'sts.amazonaws.com' }, { expiresInSeconds: -60 }))
    )
    expect(expired.name).toBe('ExpiredTokenException')
    expect(expired.status).toBe(400)
    expect(expired.message).toMatch(
      /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/
    )

    const forged = await failure(
      webIdentity(await emu.mintIdToken({ aud: 'sts.amazonaws.com' }, { signWithForeignKey: true }))
    )
    expect(forged.name).toBe('InvalidIdentityTokenException')

    // A token that was fine goes stale when the emulator clock moves past its exp.
    const token = await idToken()
    emu.clock.advance(301)
    expect((await failure(webIdentity(token))).name).toBe('ExpiredTokenException')
  })

  it('needs an OIDC provider in the role account', async () => {
    const saved = emu.world.oidcProviders
    emu.world.oidcProviders = saved.filter(p => !p.arn.includes('333333333333'))
    try {
      const err = await failure(webIdentity(await idToken(), SEED.githubDeployRoles[2]))
      expect(err).toEqual({
        name: 'InvalidIdentityTokenException',
        status: 400,
        message:
          'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com'
      })
    } finally {
      emu.world.oidcProviders = saved
    }
  })

  it('limits web identity sessions to the role maximum and refuses session tags', async () => {
    const err = await failure(webIdentity(await idToken(), SEED.roles.githubDeploy, 7200))
    expect(err.message).toBe(
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'
    )
    const tagged = await postForm({
      Action: 'AssumeRoleWithWebIdentity',
      RoleArn: SEED.roles.githubDeploy,
      RoleSessionName: 'gha',
      WebIdentityToken: await idToken(),
      'Tags.member.1.Key': 'Team',
      'Tags.member.1.Value': 'a'
    })
    expect(tagged.status).toBe(400)
    expect(tagged.text).toContain('<Code>ValidationError</Code>')
    expect(tagged.text).toContain(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    )
  })

  it('derives sub from environment and pull_request claims', async () => {
    emu.setIdTokenClaims({ environment: 'production' })
    const env = JSON.parse(Buffer.from((await idToken()).split('.')[1], 'base64url').toString())
    expect(env.sub).toBe('repo:octo-org@1000001/octo-repo@2000002:environment:production')
    emu.setIdTokenClaims({ environment: undefined, event_name: 'pull_request' })
    const pr = JSON.parse(Buffer.from((await idToken()).split('.')[1], 'base64url').toString())
    expect(pr.sub).toBe('repo:octo-org@1000001/octo-repo@2000002:pull_request')
    emu.setIdTokenClaims({ event_name: undefined })
  })

  it('issues the legacy sub on request, which only a trust policy in the legacy form admits', async () => {
    emu.setSubjectForm('legacy')
    try {
      const token = await idToken()
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
      expect(claims.sub).toBe('repo:octo-org/octo-repo:ref:refs/heads/main')
      expect((await webIdentity(token, SEED.roles.githubLegacy)).SubjectFromWebIdentityToken).toBe(
        SEED.oidc.legacySubject
      )
      expect((await failure(webIdentity(token))).name).toBe('AccessDenied')
    } finally {
      emu.setSubjectForm('immutable')
    }
    expect((await failure(webIdentity(await idToken(), SEED.roles.githubLegacy))).name).toBe(
      'AccessDenied'
    )
  })

  it('answers IDPCommunicationError and the verification-key InvalidIdentityToken as STS does', async () => {
    emu.setFaults({ identityProviderErrors: { count: 1 } })
    expect(await failure(webIdentity(await idToken()))).toMatchObject({
      name: 'IDPCommunicationErrorException',
      status: 400
    })
    emu.setFaults({ identityProviderErrors: { count: 1, code: 'InvalidIdentityToken' } })
    const key = await failure(webIdentity(await idToken()))
    expect(key).toMatchObject({ name: 'InvalidIdentityTokenException', status: 400 })
    expect(key.message).toMatch(/^Couldn't retrieve verification key from your identity provider/)
    expect((await webIdentity(await idToken())).AssumedRoleUser?.Arn).toContain('github-deploy')
    emu.clearFaults()
  })
})

describe('fault injection', () => {
  const gci = (maxAttempts = 1) =>
    sts(SEED.user, { maxAttempts }).send(new GetCallerIdentityCommand({}))

  it('throttles, then lets the retry through', async () => {
    emu.setFaults({ throttle: { rate: 1, max: 2 } })
    const out = await gci(3)
    expect(out.$metadata.attempts).toBe(3)
    expect(emu.stats().faults.throttle).toBe(2)
    expect(emu.stats().errors.Throttling).toBe(2)
    emu.setFaults({ throttle: { max: 1 } })
    expect(await failure(gci())).toEqual({
      name: 'Throttling',
      status: 400,
      message: 'Rate exceeded'
    })
  })

  it('returns N server errors then recovers', async () => {
    emu.setFaults({ serverErrors: { count: 2, status: 503 } })
    expect((await failure(gci())).status).toBe(503)
    expect((await failure(gci())).name).toBe('ServiceUnavailable')
    await expect(gci()).resolves.toBeDefined()
    expect(emu.stats().faults.serverError).toBe(2)
  })

  it('adds latency to every request', async () => {
    emu.setFaults({ latencyMs: 150 })
    const t0 = Date.now()
    await gci()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
  })

  it('stalls and then drops the connection, bounded by ms', async () => {
    emu.setFaults({ stall: { ms: 200 } })
    const t0 = Date.now()
    await expect(postForm({ Action: 'GetCallerIdentity' })).rejects.toThrow()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
    expect(emu.stats().faults.stall).toBe(1)
  })

  it('resets the connection mid-response', async () => {
    emu.setFaults({ reset: {} })
    await expect(postForm({ Action: 'GetCallerIdentity' })).rejects.toThrow()
    await expect(gci()).resolves.toBeDefined()
  })

  it('truncates the XML, sends a non-XML body, or drops Credentials', async () => {
    emu.setFaults({ truncatedXml: { actions: ['AssumeRole'] } })
    const truncated = await failure(assume({}))
    expect(truncated.status).toBe(200)
    expect(truncated.message).toContain('XML parse error')

    emu.setFaults({ malformedBody: {} })
    const malformed = await postForm({ Action: 'GetCallerIdentity' })
    expect(malformed.status).toBe(200)
    expect(malformed.text.startsWith('<')).toBe(false)

    emu.setFaults({ missingCredentials: {} })
    const out = await assume({})
    expect(out.Credentials).toBeUndefined()
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/deploy/e2e')
    expect(emu.stats().faults).toMatchObject({
      truncatedXml: 1,
      malformedBody: 1,
      missingCredentials: 1
    })
  })

  it('fails the ID-token endpoint N times, then works', async () => {
    emu.setFaults({ idTokenFailures: { count: 2 } })
    const url = `${emu.oidcRequestUrl}&audience=sts.amazonaws.com`
    const headers = { Authorization: `Bearer ${emu.oidcRequestToken}` }
    expect((await fetch(url, { headers })).status).toBe(500)
    expect((await fetch(url, { headers })).status).toBe(500)
    expect((await fetch(url, { headers })).status).toBe(200)
    expect(emu.stats()).toMatchObject({ idToken: 3, faults: { idTokenFailure: 2 } })
  })

  it('sends bare errors with an empty code, or re-renders real errors without the wrapper', async () => {
    emu.setFaults({ bareErrors: { code: '' } })
    const bare = await postForm({ Action: 'GetCallerIdentity' })
    expect(bare).toEqual({ status: 400, text: '<Error><Code></Code><Message></Message></Error>' })

    emu.setFaults({ bareErrors: {} })
    const err = await failure(assume({ RoleArn: SEED.roles.trustOnly }))
    expect(err.name).not.toBe('AccessDenied')
    expect(err.status).toBe(403)
    // Budget spent: the next error has its wrapper again.
    expect((await failure(assume({ RoleArn: SEED.roles.trustOnly }))).name).toBe('AccessDenied')
  })
})

describe('counters and request log', () => {
  it('counts actions and remembers parsed parameters', async () => {
    await assume({
      RoleSessionName: 'counted',
      DurationSeconds: 1800,
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'a', Value: 'b' }]
    })
    await sts().send(new GetCallerIdentityCommand({}))
    await failure(
      sts({ ...SEED.user, secretAccessKey: 'x' }).send(new GetCallerIdentityCommand({}))
    )
    const s = emu.stats()
    expect(s).toMatchObject({ requests: 3, AssumeRole: 1, GetCallerIdentity: 2, ListBuckets: 0 })
    expect(s.errors).toEqual({ SignatureDoesNotMatch: 1 })
    expect(emu.lastRequest('AssumeRole')).toMatchObject({
      roleArn: SEED.roles.deploy,
      roleSessionName: 'counted',
      durationSeconds: 1800,
      policy: '{"Version":"2012-10-17","Statement":[]}',
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      tags: [{ Key: 'a', Value: 'b' }],
      accessKeyId: SEED.user.accessKeyId,
      callerArn: SEED.user.arn,
      status: 200
    })
    emu.resetStats()
    expect(emu.stats().requests).toBe(0)
    expect(emu.lastRequest('AssumeRole')).toBeUndefined()
  })
})

describe('S3 ListBuckets', () => {
  it('lists the role buckets and reports S3-style signature errors', async () => {
    const creds = keysOf((await assume({})).Credentials)
    const signer = (secret: string) =>
      new SignatureV4({
        credentials: { ...creds, secretAccessKey: secret },
        region: 'us-east-1',
        service: 's3',
        sha256: Hash.bind(null, 'sha256'),
        uriEscapePath: false
      })
    const get = async (secret: string) => {
      const host = new URL(emu.url).host
      const signed = await signer(secret).sign({
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/',
        query: {},
        headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }
      })
      const res = await fetch(emu.url + '/', { headers: signed.headers })
      return { status: res.status, text: await res.text() }
    }
    const ok = await get(creds.secretAccessKey)
    expect(ok.status).toBe(200)
    expect(ok.text).toContain('<Bucket><Name>seed-private-bucket</Name>')
    const bad = await get('wrong')
    expect(bad.status).toBe(403)
    expect(bad.text).toContain('<Code>SignatureDoesNotMatch</Code>')
  })
})

describe('AWS CLI against the emulator', () => {
  const cli = (args: string[], creds: KeyPair) =>
    new Promise<string>((resolve, reject) => {
      // Asynchronous spawn: the emulator lives on this event loop.
      execFile(
        '/usr/bin/aws',
        [...args, '--endpoint-url', emu.url],
        {
          timeout: 15_000,
          env: {
            AWS_ACCESS_KEY_ID: creds.accessKeyId,
            AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
            ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
            AWS_REGION: 'us-east-1',
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            AWS_EC2_METADATA_DISABLED: 'true'
          }
        },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)
      )
    })

  it('signs sts get-caller-identity and s3 ls so the verifier accepts them', async () => {
    const creds = keysOf((await assume({ RoleSessionName: 'cli' })).Credentials)
    const [identity, listing] = await Promise.all([
      cli(['sts', 'get-caller-identity', '--output', 'json'], SEED.user),
      cli(['s3', 'ls'], creds)
    ])
    expect(JSON.parse(identity)).toEqual({
      UserId: expect.stringMatching(/^AIDA/),
      Account: '111111111111',
      Arn: 'arn:aws:iam::111111111111:user/personal/localuser'
    })
    // The CLI prints CreationDate in local time, so only the shape of the date is fixed.
    expect(listing.trim()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} seed-private-bucket$/)
    expect(emu.lastRequest('ListBuckets')?.callerArn).toBe(
      'arn:aws:sts::111111111111:assumed-role/deploy/cli'
    )
    expect(emu.stats().errors).toEqual({})
  }, 20_000)
})

describe('seed world', () => {
  it('is a fresh copy each time', () => {
    const a = seedWorld()
    a.roles.length = 0
    expect(seedWorld().roles.length).toBeGreaterThan(5)
  })
})
