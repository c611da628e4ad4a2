/**
 * Leak-proof logs, through the committed bundle with RUNNER_DEBUG=1: for every kind of run (each
 * source, success and the common refusals, and a server that echoes request data into its error
 * message) no secret value shows up where a person or a log collector could read it:
 *  - raw stdout: never before the value's own ::add-mask:: line, never in ::error/::warning lines;
 *  - the rendered (masked) log, stderr and the step summary: never at all;
 *  - env file, outputs and state: only in the credential variables/outputs meant to carry them;
 *  - the post step: never, anywhere.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import type { FaultSettings } from '../../test-support/emulator/index.js'
import { MAIN_ENTRY, runPost, runStep, type StepResult } from '../../test-support/runner.js'

let emu: Emulator
/** Secrets handed to the action in some scenario (beyond what the emulator issued). */
const extraSecrets = new Set<string>()
const timings: Array<{ name: string; outcome: string; ms: number }> = []
let suiteStart = 0

beforeAll(async () => {
  suiteStart = performance.now()
  emu = await startEmulator()
})

afterAll(async () => {
  await emu?.close()
  const lines = timings.map(
    t => `| ${t.name} | ${t.outcome} | ${Math.round(t.ms)} ms (main + post) |`
  )
  console.log(
    [
      `Leak scenarios (RUNNER_DEBUG=1): ${timings.length} in ${Math.round(performance.now() - suiteStart)} ms`,
      '| scenario | outcome | time |',
      '|---|---|---|',
      ...lines
    ].join('\n')
  )
})

beforeEach(() => {
  emu.clearFaults()
  emu.resetStats()
  emu.setIdTokenClaims({ ref: undefined })
})

const REGION = 'us-east-1'
const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']
const CREDENTIAL_OUTPUTS = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token']
const WRONG_SECRET = 'wrongSecretKey/Zq8+Lm3Np5Rs7Tu9Vw1Xy2Ab4Cd6Ef'
const UNKNOWN_KEY = {
  id: 'AKIAUNKNOWNKEY000000',
  secret: 'unknownKeySecret+Gh7Jk9Lm1Np3Qr5St7Uv9Wx'
}

/** Every secret value known after a run: inputs, issued credentials, ID tokens, request token. */
function allSecrets(): string[] {
  return (
    [SEED.user.secretAccessKey, ...extraSecrets, ...emu.secretsSeen()]
      .filter(s => s.length >= 8)
      // A key ID given as an input is not a secret (the action does not mask it); issued ones are.
      .filter(s => s !== temporarySource?.id)
  )
}

/** Raw stdout lines where a secret shows before its ::add-mask:: (add-mask of another value included). */
function unmaskedLines(lines: string[], secrets: string[]): string[] {
  const masked = new Set<string>()
  const leaks: string[] = []
  for (const line of lines) {
    const own = line.startsWith('::add-mask::') ? line.slice('::add-mask::'.length) : undefined
    for (const secret of secrets) {
      if (secret !== own && !masked.has(secret) && line.includes(secret)) {
        leaks.push(`${secret.slice(0, 6)}… in: ${line.slice(0, 120)}`)
      }
    }
    if (own !== undefined) masked.add(own)
  }
  return leaks
}

/** Names of the texts that contain any secret. */
function textsWithSecrets(texts: Record<string, string>, secrets: string[]): string[] {
  return Object.entries(texts)
    .filter(([, text]) => secrets.some(secret => text.includes(secret)))
    .map(([name]) => name)
}

function expectNoLeaks(
  step: StepResult,
  secrets: string[],
  allowed: { env: string[]; outputs: string[] }
) {
  expect(unmaskedLines(step.lines, secrets)).toEqual([])
  const annotations = step.lines.filter(l => /^::(error|warning)[ :]/.test(l))
  expect(
    textsWithSecrets(Object.fromEntries(annotations.map((l, i) => [`annotation ${i}`, l])), secrets)
  ).toEqual([])
  expect(
    textsWithSecrets(
      { log: step.log.join('\n'), stderr: step.stderr, summary: step.summary },
      secrets
    )
  ).toEqual([])
  const pick = (record: Record<string, string>, except: string[], prefix: string) =>
    Object.fromEntries(
      Object.entries(record)
        .filter(([name]) => !except.includes(name))
        .map(([name, value]) => [`${prefix}${name}`, value])
    )
  expect(
    textsWithSecrets(
      {
        ...pick(step.env, allowed.env, 'env '),
        ...pick(step.outputs, allowed.outputs, 'output '),
        ...pick(step.state, [], 'state ')
      },
      secrets
    )
  ).toEqual([])
}

interface Scenario {
  name: string
  inputs: () => Record<string, string>
  env?: () => Record<string, string>
  faults?: () => Promise<FaultSettings> | FaultSettings
  setup?: () => Promise<void> | void
  /** Success: which credentials must be exported. */
  expect: 'issued' | 'source' | 'failure'
  role?: string
  /** Text the ::error line must contain (proves an echoed message went through redaction). */
  errorContains?: string
}

const keys = () => ({
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
})
const base = () => ({ 'aws-region': REGION, 'sts-endpoint': emu.url, 'output-credentials': 'true' })
const oidcEnv = () => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
})

let temporarySource: { id: string; secret: string; token: string } | undefined
let tokenFile = ''

const scenarios: Scenario[] = [
  {
    name: 'keys → role (success)',
    inputs: () => ({ ...keys(), 'role-to-assume': SEED.roles.deploy }),
    expect: 'issued',
    role: SEED.roles.deploy
  },
  {
    name: 'temporary keys with session token → chained role (success)',
    setup: async () => {
      const out = await new STSClient({
        endpoint: emu.url,
        region: REGION,
        credentials: SEED.user,
        maxAttempts: 1
      }).send(new AssumeRoleCommand({ RoleArn: SEED.roles.deploy, RoleSessionName: 'source' }))
      const c = out.Credentials
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no source')
      temporarySource = { id: c.AccessKeyId, secret: c.SecretAccessKey, token: c.SessionToken }
      // The source key ID is temporary too, but only its secret and token are secrets here.
      extraSecrets.add(c.SecretAccessKey).add(c.SessionToken)
    },
    inputs: () => ({
      'aws-access-key-id': temporarySource?.id ?? '',
      'aws-secret-access-key': temporarySource?.secret ?? '',
      'aws-session-token': temporarySource?.token ?? '',
      'role-to-assume': SEED.roles.chainTarget
    }),
    expect: 'issued',
    role: SEED.roles.chainTarget
  },
  {
    name: 'GitHub OIDC → role (success)',
    inputs: () => ({ 'role-to-assume': SEED.roles.githubDeploy }),
    env: oidcEnv,
    expect: 'issued',
    role: SEED.roles.githubDeploy
  },
  {
    name: 'web identity token file → role (success)',
    setup: async () => {
      const token = await emu.mintIdToken({ aud: 'sts.amazonaws.com' })
      extraSecrets.add(token)
      tokenFile = join(mkdtempSync(join(tmpdir(), 'leaks-token-')), 'token')
      writeFileSync(tokenFile, token + '\n')
    },
    inputs: () => ({
      'role-to-assume': SEED.roles.githubDeploy,
      'web-identity-token-file': tokenFile
    }),
    expect: 'issued',
    role: SEED.roles.githubDeploy
  },
  {
    name: 'keys only, no role (success)',
    inputs: keys,
    expect: 'source'
  },
  {
    name: 'AccessDenied',
    inputs: () => ({ ...keys(), 'role-to-assume': SEED.roles.trustOnly }),
    expect: 'failure'
  },
  {
    name: 'wrong external ID',
    inputs: () => ({
      ...keys(),
      'role-to-assume': SEED.roles.crossAccount,
      'role-external-id': 'wrong-external-id'
    }),
    expect: 'failure'
  },
  {
    name: 'web identity denied (sub does not match)',
    setup: () => emu.setIdTokenClaims({ ref: 'refs/heads/feature' }),
    inputs: () => ({ 'role-to-assume': SEED.roles.githubDeploy }),
    env: oidcEnv,
    expect: 'failure'
  },
  {
    name: 'InvalidClientTokenId (unknown key)',
    setup: () => void extraSecrets.add(UNKNOWN_KEY.secret),
    inputs: () => ({
      'aws-access-key-id': UNKNOWN_KEY.id,
      'aws-secret-access-key': UNKNOWN_KEY.secret,
      'role-to-assume': SEED.roles.deploy
    }),
    expect: 'failure'
  },
  {
    name: 'SignatureDoesNotMatch (wrong secret)',
    setup: () => void extraSecrets.add(WRONG_SECRET),
    inputs: () => ({
      ...keys(),
      'aws-secret-access-key': WRONG_SECRET,
      'role-to-assume': SEED.roles.deploy
    }),
    expect: 'failure'
  },
  {
    name: 'allowed-account-ids refusal (credentials issued, then refused)',
    inputs: () => ({
      ...keys(),
      'role-to-assume': SEED.roles.deploy,
      'allowed-account-ids': '999999999999'
    }),
    expect: 'failure'
  },
  {
    name: 'STS error message echoing the source secret and a JWT (keys)',
    faults: async () => {
      const jwt = await emu.mintIdToken({ aud: 'sts.amazonaws.com' })
      extraSecrets.add(jwt)
      return {
        bareErrors: {
          code: 'EchoError',
          status: 400,
          message: `request rejected: secret=${SEED.user.secretAccessKey} token=${jwt}`
        }
      }
    },
    inputs: () => ({ ...keys(), 'role-to-assume': SEED.roles.deploy }),
    expect: 'failure',
    errorContains: 'request rejected: secret=*** token=***'
  },
  {
    name: 'STS error message echoing the request token and a JWT (OIDC)',
    faults: async () => {
      const jwt = await emu.mintIdToken({ aud: 'sts.amazonaws.com' })
      extraSecrets.add(jwt)
      return {
        bareErrors: {
          code: 'EchoError',
          status: 400,
          message: `request rejected: bearer=${emu.oidcRequestToken} WebIdentityToken=${jwt}`
        }
      }
    },
    inputs: () => ({ 'role-to-assume': SEED.roles.githubDeploy }),
    env: oidcEnv,
    expect: 'failure',
    errorContains: 'request rejected: bearer=*** WebIdentityToken=***'
  },
  {
    name: 'non-XML 400 body carrying the source secret (keys)',
    faults: () => ({
      malformedBody: {
        status: 400,
        body: `<html>400 bad request for ${SEED.user.secretAccessKey}</html>`
      }
    }),
    inputs: () => ({ ...keys(), 'role-to-assume': SEED.roles.deploy }),
    expect: 'failure'
  }
]

describe('the leak checks themselves', () => {
  it("flag a secret printed before its ::add-mask::, and inside another value's", () => {
    const lines = [
      'early s3cr3t-value',
      '::add-mask::other s3cr3t-value',
      '::add-mask::s3cr3t-value'
    ]
    expect(unmaskedLines([...lines, 'late s3cr3t-value'], ['s3cr3t-value'])).toHaveLength(2)
    expect(unmaskedLines(lines.slice(2).concat('late s3cr3t-value'), ['s3cr3t-value'])).toEqual([])
    expect(textsWithSecrets({ a: 'x s3cr3t-value', b: 'clean' }, ['s3cr3t-value'])).toEqual(['a'])
  })
})

describe('no secret reaches a log, an annotation, the summary or the post step', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const started = performance.now()
      await scenario.setup?.()
      if (scenario.faults) emu.setFaults(await scenario.faults())
      const main = await runStep(MAIN_ENTRY, {
        inputs: { ...base(), ...scenario.inputs() },
        env: { RUNNER_DEBUG: '1', ...scenario.env?.() }
      })
      emu.clearFaults()
      const secrets = allSecrets()

      if (scenario.expect === 'failure') {
        expect(main.code).toBe(1)
        const errors = main.lines.filter(l => l.startsWith('::error'))
        expect(errors).toHaveLength(1)
        if (scenario.errorContains) expect(errors[0]).toContain(scenario.errorContains)
        expect(main.env).toEqual({})
        expect(main.outputs).toEqual({})
        expectNoLeaks(main, secrets, { env: [], outputs: [] })
      } else {
        expect(main.code).toBe(0)
        const exported = CREDENTIAL_ENV.map(name => main.env[name])
        expect(CREDENTIAL_OUTPUTS.map(name => main.outputs[name])).toEqual(exported)
        if (scenario.expect === 'issued') {
          const issued = emu.issuedCredentials().find(c => c.accessKeyId === exported[0])
          expect(issued?.roleArn).toBe(scenario.role)
          expect(exported).toEqual([
            issued?.accessKeyId,
            issued?.secretAccessKey,
            issued?.sessionToken
          ])
          // Every temporary credential was masked before anything else was printed.
          for (const value of exported) expect(main.masks).toContain(value)
        } else {
          expect(exported).toEqual([SEED.user.accessKeyId, SEED.user.secretAccessKey, ''])
          expect(main.masks).toContain(SEED.user.secretAccessKey)
        }
        expectNoLeaks(main, secrets, { env: CREDENTIAL_ENV, outputs: CREDENTIAL_OUTPUTS })
      }
      if (scenario.env?.().ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
        expect(main.masks).toContain(emu.oidcRequestToken)
      }

      const post = await runPost(main, { env: { RUNNER_DEBUG: '1' } })
      expect(post.code).toBe(0)
      expect(post.lines.filter(l => /^::(error|warning)[ :]/.test(l))).toEqual([])
      // The post step masks nothing itself, so nothing may show in it at all.
      expect(
        textsWithSecrets(
          {
            stdout: post.stdout,
            stderr: post.stderr,
            summary: post.summary,
            env: JSON.stringify(post.env),
            outputs: JSON.stringify(post.outputs),
            state: JSON.stringify(post.state)
          },
          secrets
        )
      ).toEqual([])
      if (scenario.expect !== 'failure') {
        for (const name of CREDENTIAL_ENV) expect(post.env[name]).toBe('')
      }
      timings.push({
        name: scenario.name,
        outcome: main.code === 0 ? 'success' : 'failure',
        ms: performance.now() - started
      })
    })
  }
})
