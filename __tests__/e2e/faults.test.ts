/**
 * The fault matrix through the committed bundle: each STS / ID-token fault the emulator can inject,
 * run against `dist/index.js` exactly as the runner starts it. Every case ends one of two ways:
 * exit 0 with working credentials exported, or exit 1 with exactly one ::error and nothing exported.
 * Either way no secret reaches the rendered log, stderr or the summary, and the wall time stays in
 * the case's budget. A table of outcomes is printed at the end for the record.
 */
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import type { FaultSettings } from '../../test-support/emulator/index.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { awsCli, MAIN_ENTRY, runStep, type StepResult } from '../../test-support/runner.js'

let emu: Emulator

interface Row {
  name: string
  outcome: string
  /** STS requests the emulator saw (AssumeRole + AssumeRoleWithWebIdentity). */
  stsRequests: number
  idTokenRequests: number
  retryLines: number
  ms: number
  budgetMs: number
}
const table: Row[] = []

beforeAll(async () => {
  emu = await startEmulator()
})

afterAll(async () => {
  await emu?.close()
  const header =
    '| case | outcome | STS requests | ID-token requests | retry lines | time | budget |'
  const rows = table.map(
    r =>
      `| ${r.name} | ${r.outcome} | ${r.stsRequests} | ${r.idTokenRequests} | ${r.retryLines} | ${Math.round(r.ms)} ms | ${r.budgetMs} ms |`
  )
  console.log(
    ['Fault matrix (dist/index.js)', header, '|---|---|---|---|---|---|---|', ...rows].join('\n')
  )
})

beforeEach(() => {
  emu.clearFaults()
  emu.resetStats()
})

const REGION = 'us-east-1'
const DEPLOY_SESSION = 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'

/** `<what> attempt N/M failed: <cause>; waited X ms before attempt N+1` */
const RETRY_LINE = /^(.+) attempt (\d+)\/(\d+) failed: (.+); waited (\d+) ms before attempt (\d+)$/

interface CaseOptions {
  faults?: FaultSettings
  inputs?: Record<string, string>
  /** GitHub OIDC → role/github-deploy instead of keys → role/deploy. */
  oidc?: boolean
  /** Extra environment for the action process. */
  env?: Record<string, string>
  budgetMs: number
}

interface CaseResult {
  result: StepResult
  stsRequests: number
  idTokenRequests: number
  retries: RegExpExecArray[]
}

function keyInputs(): Record<string, string> {
  return {
    'aws-region': REGION,
    'sts-endpoint': emu.url,
    'role-to-assume': SEED.roles.deploy,
    'aws-access-key-id': SEED.user.accessKeyId,
    'aws-secret-access-key': SEED.user.secretAccessKey
  }
}

function oidcInputs(): Record<string, string> {
  return {
    'aws-region': REGION,
    'sts-endpoint': emu.url,
    'role-to-assume': SEED.roles.githubDeploy
  }
}

function oidcEnv(): Record<string, string> {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
  }
}

/** Every value that must never be shown: source secret, issued credentials, ID tokens. */
function secrets(): string[] {
  return [SEED.user.secretAccessKey, ...emu.secretsSeen()]
}

/** Runs the case, records its row, and checks what holds for every case. */
async function runCase(name: string, options: CaseOptions): Promise<CaseResult> {
  if (options.faults) emu.setFaults(options.faults)
  const result = await runStep(MAIN_ENTRY, {
    inputs: { ...(options.oidc ? oidcInputs() : keyInputs()), ...options.inputs },
    env: { ...(options.oidc ? oidcEnv() : {}), ...options.env },
    timeoutMs: options.budgetMs + 15_000
  })
  const stats = emu.stats()
  emu.clearFaults()
  const stsRequests = stats.AssumeRole + stats.AssumeRoleWithWebIdentity
  const retries = result.lines
    .map(line => RETRY_LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
  const errors = result.lines.filter(line => line.startsWith('::error'))
  table.push({
    name,
    outcome:
      result.code === 0
        ? 'success'
        : `exit ${result.code}: ${(/^::error title=([^:]*)::/.exec(errors[0] ?? '')?.[1] ?? '?').replace(/%3A/g, ':')}`,
    stsRequests,
    idTokenRequests: stats.idToken,
    retryLines: retries.length,
    ms: result.durationMs,
    budgetMs: options.budgetMs
  })

  if (result.code === 0) {
    expect(errors).toEqual([])
    const issued = emu.issuedCredentials().find(c => c.accessKeyId === result.env.AWS_ACCESS_KEY_ID)
    expect(issued).toBeDefined()
    expect(issued?.roleArn).toBe(options.oidc ? SEED.roles.githubDeploy : SEED.roles.deploy)
    expect(result.env).toMatchObject({
      AWS_ACCESS_KEY_ID: issued?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: issued?.secretAccessKey,
      AWS_SESSION_TOKEN: issued?.sessionToken,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION
    })
  } else {
    expect(result.code).toBe(1)
    expect(errors).toHaveLength(1)
    // Nothing partial: no variable, no credential output.
    expect(result.env).toEqual({})
    expect(Object.keys(result.outputs)).toEqual([])
  }
  const shown = [result.log.join('\n'), result.stderr, result.summary]
  for (const secret of secrets()) {
    for (const text of shown) expect(text.includes(secret) ? secret : '').toBe('')
  }
  expect(result.durationMs).toBeLessThan(options.budgetMs)
  return { result, stsRequests, idTokenRequests: stats.idToken, retries }
}

/** Each retry logged once, numbered 1..n in order, with the configured maximum. */
function expectRetryLines(
  retries: RegExpExecArray[],
  what: string,
  count: number,
  maxAttempts = 12
): void {
  const mine = retries.filter(m => m[1] === what)
  expect(mine).toHaveLength(count)
  mine.forEach((m, i) => {
    expect(Number(m[2])).toBe(i + 1)
    expect(Number(m[3])).toBe(maxAttempts)
    expect(Number(m[5])).toBeGreaterThanOrEqual(0)
    expect(Number(m[6])).toBe(i + 2)
  })
}

async function expectCliSees(result: StepResult, arn: string): Promise<void> {
  const cli = await awsCli(
    ['sts', 'get-caller-identity', '--output', 'json'],
    result.env,
    emu.url,
    {
      timeoutMs: 20_000
    }
  )
  expect(cli.stderr).toBe('')
  expect(cli.code).toBe(0)
  expect((JSON.parse(cli.stdout) as { Arn: string }).Arn).toBe(arn)
}

describe('throttling', () => {
  // mulberry32 seed 7 at 30 % throttles requests 1 and 2; seed 1 at 70 % throttles 1, 2 and 3.
  // Throttling backs off 1 s · 2^n with full jitter: at most 1 + 2 (+ 4) s of waiting.
  it('30 % of requests throttled (seeded): retried until success', async () => {
    const { result, stsRequests, retries } = await runCase('throttle 30 %', {
      faults: { throttle: { rate: 0.3, max: 6 }, seed: 7 },
      budgetMs: 8_000
    })
    expect(result.code).toBe(0)
    expect(stsRequests).toBeGreaterThan(1)
    expectRetryLines(retries, 'STS', stsRequests - 1)
    for (const m of retries) expect(m[4]).toMatch(/^Throttling\b.*HTTP 400/)
    await expectCliSees(result, DEPLOY_SESSION)
  }, 40_000)

  it('70 % of requests throttled (seeded): retried until success', async () => {
    const { result, stsRequests, retries } = await runCase('throttle 70 %', {
      faults: { throttle: { rate: 0.7, max: 6 }, seed: 1 },
      budgetMs: 12_000
    })
    expect(result.code).toBe(0)
    expect(stsRequests).toBeGreaterThan(2)
    expectRetryLines(retries, 'STS', stsRequests - 1)
  })
})

describe('server errors', () => {
  for (const status of [500, 503] as const) {
    it(`a burst of 3 × ${status}: retried until success`, async () => {
      const { result, stsRequests, retries } = await runCase(`${status} × 3`, {
        faults: { serverErrors: { count: 3, status } },
        budgetMs: 5_000
      })
      expect(result.code).toBe(0)
      expect(stsRequests).toBe(4)
      expectRetryLines(retries, 'STS', 3)
      for (const m of retries) expect(m[4]).toContain(`HTTP ${status}`)
    })
  }

  it('more 500s than retry-max-attempts: fails after exactly that many attempts', async () => {
    const { result, stsRequests, retries } = await runCase('500 × 5, retry-max-attempts 3', {
      faults: { serverErrors: { count: 5, status: 500 } },
      inputs: { 'retry-max-attempts': '3' },
      budgetMs: 5_000
    })
    expect(result.code).toBe(1)
    expect(stsRequests).toBe(3)
    expectRetryLines(retries, 'STS', 2, 3)
  })
})

describe('a server that accepts and never answers', () => {
  // action-timeout-s 6 → 2 s per attempt. The stall lasts 20 s: only a timeout can end it.
  const timeoutS = 6
  let stalled: CaseResult | undefined

  it('stays within action-timeout-s: success after the stall, or a clear timeout error', async () => {
    stalled = await runCase(`stall, action-timeout-s ${timeoutS}`, {
      faults: { stall: { count: 1, ms: 20_000 } },
      inputs: { 'action-timeout-s': String(timeoutS) },
      budgetMs: (timeoutS + 4) * 1000
    })
    const { result } = stalled
    if (result.code !== 0) {
      expect(result.lines.find(l => l.startsWith('::error'))).toMatch(
        /^::error title=Timed out::.*action-timeout-s \(6 s\)/
      )
    }
  }, 30_000)

  it('cuts the stalled attempt at the per-attempt timeout (action-timeout-s / 3) and retries', () => {
    // Product expectation (src/assume.ts ATTEMPT_TIMEOUT_MS): a stalled connection must not eat the
    // whole budget. Fails while the SDK's requestTimeout only warns (throwOnRequestTimeout unset).
    expect(stalled).toBeDefined()
    const { result, stsRequests, retries } = stalled as CaseResult
    expect(result.stderr).not.toContain('exceeded the configured 2000 ms requestTimeout')
    expect(result.code).toBe(0)
    expect(stsRequests).toBe(2)
    expectRetryLines(retries, 'STS', 1)
    expect(result.durationMs).toBeLessThan(timeoutS * 1000)
  })
})

describe('broken responses', () => {
  it('a connection reset mid-response: retried', async () => {
    const { result, stsRequests, retries } = await runCase('reset mid-response', {
      faults: { reset: {} },
      budgetMs: 5_000
    })
    expect(result.code).toBe(0)
    expect(stsRequests).toBe(2)
    expectRetryLines(retries, 'STS', 1)
    expect(retries[0]?.[4]).toContain('ECONNRESET')
  })

  it('truncated XML in a 200: retried', async () => {
    const { result, stsRequests, retries } = await runCase('truncated XML (200)', {
      faults: { truncatedXml: {} },
      budgetMs: 5_000
    })
    expect(result.code).toBe(0)
    expect(stsRequests).toBe(2)
    expectRetryLines(retries, 'STS', 1)
  })

  it('a non-XML body in a 200: retried', async () => {
    const { result, stsRequests, retries } = await runCase('malformed body (200)', {
      faults: { malformedBody: {} },
      budgetMs: 5_000
    })
    expect(result.code).toBe(0)
    expect(stsRequests).toBe(2)
    expectRetryLines(retries, 'STS', 1)
  })

  it('a 200 without <Credentials>: a clear failure or a retried success, never a partial export', async () => {
    const { result, stsRequests } = await runCase('200 without credentials', {
      faults: { missingCredentials: {} },
      budgetMs: 5_000
    })
    if (result.code === 0) expect(stsRequests).toBe(2)
    else {
      expect(stsRequests).toBe(1)
      expect(result.lines.find(l => l.startsWith('::error'))).toContain(
        'STS answered without credentials'
      )
    }
  })
})

describe('GitHub ID-token endpoint', () => {
  it('fails twice, then works: the token request is retried and the role assumed', async () => {
    const { result, stsRequests, idTokenRequests, retries } = await runCase(
      'ID token endpoint 500 × 2 (OIDC)',
      { faults: { idTokenFailures: { count: 2 } }, oidc: true, budgetMs: 5_000 }
    )
    expect(result.code).toBe(0)
    expect(idTokenRequests).toBe(3)
    expect(stsRequests).toBe(1)
    expectRetryLines(retries, 'ID token request', 2)
    await expectCliSees(
      result,
      'arn:aws:sts::111111111111:assumed-role/github-deploy/GitHubActions'
    )
  }, 40_000)
})

describe('permanent failures are not retried; bare errors go by code, else status', () => {
  it('DNS failure of the endpoint (simulated in the action process: no query leaves the machine)', async () => {
    // A real lookup would ask the system resolver, off this machine; instead a preload makes
    // every *.invalid lookup fail with ENOTFOUND the way getaddrinfo does.
    const preload = join(mkdtempSync(join(tmpdir(), 'dns-')), 'fake-dns.mjs')
    writeFileSync(
      preload,
      [
        "import dns from 'node:dns'",
        'const lookup = dns.lookup',
        'dns.lookup = (host, options, callback) => {',
        "  const done = typeof options === 'function' ? options : callback",
        "  if (!String(host).endsWith('.invalid')) return lookup(host, options, callback)",
        "  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: host })",
        '  process.nextTick(() => done(error))',
        '}'
      ].join('\n')
    )
    const { result, stsRequests, retries } = await runCase('DNS failure (nonexistent.invalid)', {
      inputs: { 'sts-endpoint': 'https://nonexistent.invalid:1' },
      env: { NODE_OPTIONS: `--import ${preload}` },
      budgetMs: 5_000
    })
    expect(result.code).toBe(1)
    expect(stsRequests).toBe(0)
    expect(retries).toEqual([])
    expect(result.lines.find(l => l.startsWith('::error'))).toContain('ENOTFOUND')
  })

  it('AccessDenied fails in under 2 s with exactly one STS request', async () => {
    const { result, stsRequests, retries } = await runCase('AccessDenied', {
      inputs: { 'role-to-assume': SEED.roles.trustOnly },
      budgetMs: 2_000
    })
    expect(result.code).toBe(1)
    expect(stsRequests).toBe(1)
    expect(retries).toEqual([])
    expect(emu.lastRequest('AssumeRole')?.errorCode).toBe('AccessDenied')
  })

  it('a bare error with an empty code and HTTP 400 is permanent', async () => {
    const { result, stsRequests, retries } = await runCase('bare error, empty code, 400', {
      faults: { bareErrors: { code: '', status: 400, count: 5 } },
      budgetMs: 5_000
    })
    expect(result.code).toBe(1)
    expect(stsRequests).toBe(1)
    expect(retries).toEqual([])
  })

  it('a bare error with an empty code and HTTP 503 is retried', async () => {
    const { result, stsRequests, retries } = await runCase('bare error, empty code, 503 × 2', {
      faults: { bareErrors: { code: '', status: 503, count: 2 } },
      budgetMs: 5_000
    })
    expect(result.code).toBe(0)
    expect(stsRequests).toBe(3)
    expectRetryLines(retries, 'STS', 2)
  })

  // Ceph RGW and other STS-compatible servers send <Error><Code>… without <ErrorResponse>; the SDK
  // reports those as `Unknown`, and src/network/error-code.ts reads the code from the raw body the SDK keeps.
  it.each([
    ['Throttling', 'Rate exceeded'],
    ['ThrottlingException', 'Rate exceeded'],
    ['RequestLimitExceeded', 'Request limit exceeded.'],
    ['ServiceUnavailable', 'Service is unable to handle request.'],
    ['InternalFailure', 'An internal error has occurred']
  ])(
    'a bare <Error> whose code is %s (HTTP 400) × 2 is retried like the wrapped form',
    async (code, message) => {
      const { result, stsRequests, retries } = await runCase(`bare error, code ${code}, 400 × 2`, {
        faults: { bareErrors: { code, message, status: 400, count: 2 } },
        budgetMs: 8_000
      })
      expect(result.code).toBe(0)
      expect(stsRequests).toBe(3)
      expectRetryLines(retries, 'STS', 2)
      for (const m of retries) expect(m[4]).toBe(`${code} (bare <Error>) (HTTP 400)`)
    }
  )

  it('a bare Throttling past retry-max-attempts fails after exactly that many attempts', async () => {
    const { result, stsRequests, retries } = await runCase(
      'bare Throttling × 5, retry-max-attempts 3',
      {
        faults: {
          bareErrors: { code: 'Throttling', message: 'Rate exceeded', status: 400, count: 5 }
        },
        inputs: { 'retry-max-attempts': '3' },
        budgetMs: 8_000
      }
    )
    expect(result.code).toBe(1)
    expect(stsRequests).toBe(3)
    expectRetryLines(retries, 'STS', 2, 3)
  })
})

describe('PackedPolicyTooLarge: the droppable context tags go, one retry', () => {
  /** A pull request with long (but valid) refs: the 13 tags pack larger than the 7 kept ones. */
  const PR_CONTEXT = {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REF: 'refs/pull/4711/merge',
    GITHUB_BASE_REF: `release/${'2026-q4-hotfix-train-'.repeat(11)}`,
    GITHUB_HEAD_REF: `renovate/${'aws-sdk-client-sts-3.x-lockfile-maintenance-'.repeat(5)}`,
    GITHUB_JOB: 'deploy-production',
    GITHUB_RUN_ID: '16203340566',
    GITHUB_TRIGGERING_ACTOR: 'renovate[bot]',
    GITHUB_ACTOR: 'renovate[bot]'
  }
  const DROPPABLE = ['EventName', 'BaseRef', 'HeadRef', 'RunId', 'Job', 'TriggeringActor']

  afterEach(() => {
    delete emu.world.packedPolicyLimitBytes
  })

  it('too large with all 13 tags: retried once with the 7 kept ones, logged, and it works', async () => {
    // The emulator's packed limit (see packedPolicyPercent in test-support/emulator/sts.ts) set
    // between the two sizes (254 and 127 bytes deflated), as an account whose limit these refs reach.
    emu.world.packedPolicyLimitBytes = 200
    const { result, stsRequests, retries } = await runCase(
      'PackedPolicyTooLarge, then without droppable tags',
      {
        env: PR_CONTEXT,
        budgetMs: 8_000
      }
    )
    expect(result.code).toBe(0)
    expect(stsRequests).toBe(2)
    expect(retries).toEqual([])
    expect(result.lines).toContain(
      `STS answered PackedPolicyTooLarge (session tags too large once packed); retrying once without the tags ${DROPPABLE.join(', ')}`
    )
    const [first, second] = emu.requestLog().filter(r => r.action === 'AssumeRole')
    expect(first?.errorCode).toBe('PackedPolicyTooLarge')
    expect(first?.tags.map(t => t.Key)).toEqual(expect.arrayContaining(DROPPABLE))
    expect(second?.status).toBe(200)
    expect(second?.tags.map(t => t.Key)).toEqual([
      'GitHub',
      'Repository',
      'Workflow',
      'Action',
      'Actor',
      'Commit',
      'Branch'
    ])
    expect(second?.tags).toContainEqual({ Key: 'Actor', Value: 'renovate_bot_' })
    await expectCliSees(result, DEPLOY_SESSION)
  })

  it('a bare <Error> PackedPolicyTooLarge (STS-compatible server) falls back the same way', async () => {
    emu.world.packedPolicyLimitBytes = 200
    const { result, stsRequests } = await runCase(
      'bare PackedPolicyTooLarge, then without droppable tags',
      {
        env: PR_CONTEXT,
        // Genuine STS errors re-rendered without the <ErrorResponse> wrapper.
        faults: { bareErrors: { count: 1 } },
        budgetMs: 8_000
      }
    )
    expect(result.code).toBe(0)
    expect(stsRequests).toBe(2)
    expect(emu.requestLog().filter(r => r.action === 'AssumeRole')[0]?.errorCode).toBe(
      'PackedPolicyTooLarge'
    )
  })

  it('still too large without them: fails after the one retry, nothing exported', async () => {
    emu.world.packedPolicyLimitBytes = 100
    const { result, stsRequests } = await runCase('PackedPolicyTooLarge twice', {
      env: PR_CONTEXT,
      budgetMs: 8_000
    })
    expect(result.code).toBe(1)
    expect(stsRequests).toBe(2)
    expect(emu.stats().errors.PackedPolicyTooLarge).toBe(2)
  })
})

describe('an ID token that expires while STS is being retried', () => {
  it('fetches a fresh token when STS says the old one expired, and succeeds', async () => {
    // Tokens live 2 s here; the first STS attempt stalls 2.5 s, so its retry carries a dead token.
    const shortTokens = await startEmulator({ idTokenLifetimeSeconds: 2 })
    try {
      shortTokens.setFaults({
        stall: { count: 1, ms: 2_500, actions: ['AssumeRoleWithWebIdentity'] }
      })
      const started = Date.now()
      const result = await runStep(MAIN_ENTRY, {
        inputs: {
          'aws-region': 'us-east-1',
          'role-to-assume': SEED.roles.githubDeploy,
          'sts-endpoint': shortTokens.url,
          'action-timeout-s': '12'
        },
        env: {
          ACTIONS_ID_TOKEN_REQUEST_URL: shortTokens.oidcRequestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: shortTokens.oidcRequestToken
        }
      })
      const stats = shortTokens.stats()
      expect(result.code).toBe(0)
      expect(result.env.AWS_SESSION_TOKEN).toBeTruthy()
      expect(stats.errors.ExpiredTokenException).toBeGreaterThanOrEqual(1)
      expect(stats.idToken).toBeGreaterThanOrEqual(2)
      expect(result.lines).toContain(
        'The ID token expired before STS accepted it; fetching a fresh one'
      )
      expect(Date.now() - started).toBeLessThan(12_000)
      const tokens = shortTokens
        .requestLog()
        .flatMap(r => (r.webIdentityToken ? [r.webIdentityToken] : []))
      for (const token of tokens) expect(result.log.join('\n')).not.toContain(token)
    } finally {
      await shortTokens.close()
    }
  }, 30_000)
})
