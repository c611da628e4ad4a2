/**
 * A hostile STS and ID-token endpoint, through the committed bundle run as the runner runs it:
 * fields with line breaks and workflow commands, a dripping body, a huge body, a redirect, non-XML,
 * a JWT-shaped but broken ID token. Each must end with exactly one ::error naming the endpoint, an
 * empty env file, no output or state, the profile files untouched, no forged command in the log as
 * the runner reads it, bounded memory and the configured deadline kept. The table printed at the
 * end is the fault matrix's hostile rows (time and peak RSS of the step).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  FORGED_COMMANDS,
  SEED,
  startEmulator,
  type Emulator,
  type HostileSettings
} from '../../test-support/emulator/index.js'
import type { FaultTarget } from '../../test-support/emulator/index.js'
import {
  errorMessage,
  errorTitle,
  MAIN_ENTRY,
  newJobDir,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

let emu: Emulator
const rows: string[] = []
/**
 * A preload that records, at exit, the step's peak RSS (KiB, the kernel's figure through
 * resourceUsage) and how long the process ran (performance.now(): from its start, as
 * action-timeout-s counts), apart from the time the machine takes to spawn it.
 */
const probeDir = mkdtempSync(join(tmpdir(), 'rss-'))
const PROBE = join(probeDir, 'peak-rss.mjs')
writeFileSync(
  PROBE,
  [
    "import { writeFileSync } from 'node:fs'",
    "process.on('exit', () => writeFileSync(process.env.PEAK_RSS_FILE, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS, ms: performance.now() })))"
  ].join('\n')
)

beforeAll(async () => {
  emu = await startEmulator()
})

afterAll(async () => {
  await emu?.close()
  rmSync(probeDir, { recursive: true, force: true })
  console.log(
    [
      'Hostile servers (dist/index.js)',
      '| case | outcome | STS requests | ID-token requests | process time | wall time | peak RSS |',
      '|---|---|---|---|---|---|---|',
      ...rows
    ].join('\n')
  )
})

beforeEach(() => {
  emu.clearFaults()
  emu.resetStats()
})

const REGION = 'us-east-1'
/** What the job's profile files hold before the step: they must hold exactly this after it. */
const EXISTING_CREDENTIALS = '[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n'
const EXISTING_CONFIG = '[profile other]\nregion = eu-west-1\n'
/** The commands this action itself prints; anything else on a command line is forged. */
const OWN_COMMANDS = new Set(['add-mask', 'error', 'debug'])

interface Case {
  name: string
  hostile: HostileSettings & { target?: FaultTarget }
  oidc?: boolean
  inputs?: Record<string, string>
  /** The ::error title. */
  title: RegExp
  /** The ::error message. */
  message?: RegExp
  /** The step must end within this (the configured deadline where one is set). */
  deadlineMs: number
  /** Peak RSS bound, MiB. */
  maxRssMiB?: number
}

interface Ran {
  result: StepResult
  rssMiB: number
  /** How long the step's process ran, from its own start to its exit. */
  processMs: number
  home: string
}

async function runHostile(testCase: Case): Promise<Ran> {
  emu.setFaults({ hostile: testCase.hostile })
  const jobDir = newJobDir()
  const home = join(jobDir, 'home')
  mkdirSync(join(home, '.aws'), { recursive: true })
  writeFileSync(join(home, '.aws', 'credentials'), EXISTING_CREDENTIALS)
  writeFileSync(join(home, '.aws', 'config'), EXISTING_CONFIG)
  const rssFile = join(jobDir, 'rss')
  try {
    const base = {
      'aws-region': REGION,
      'sts-endpoint': emu.url,
      // A profile too, so a bad answer would show up in the files.
      'aws-profile': 'hostile',
      'output-env-credentials': 'true',
      'output-credentials': 'true'
    }
    const source: Record<string, string> = testCase.oidc
      ? { 'role-to-assume': SEED.roles.githubDeploy }
      : {
          'role-to-assume': SEED.roles.deploy,
          'aws-access-key-id': SEED.user.accessKeyId,
          'aws-secret-access-key': SEED.user.secretAccessKey
        }
    const result = await runStep(MAIN_ENTRY, {
      jobDir,
      inputs: { ...base, ...source, ...testCase.inputs },
      env: {
        NODE_OPTIONS: `--import ${PROBE}`,
        PEAK_RSS_FILE: rssFile,
        ...(testCase.oidc
          ? {
              ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
              ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
            }
          : {})
      },
      timeoutMs: testCase.deadlineMs + 20_000
    })
    const probe = existsSync(rssFile)
      ? (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRSS: number; ms: number })
      : { maxRSS: NaN, ms: NaN }
    const rssMiB = probe.maxRSS / 1024
    const stats = emu.stats()
    rows.push(
      `| ${testCase.name} | exit ${result.code}: ${errorTitle(result) ?? '(no error)'} | ${stats.AssumeRole + stats.AssumeRoleWithWebIdentity} | ${stats.idToken} | ${Math.round(probe.ms)} ms | ${Math.round(result.durationMs)} ms | ${rssMiB.toFixed(1)} MiB |`
    )
    return {
      result,
      rssMiB,
      processMs: probe.ms,
      home:
        readFileSync(join(home, '.aws', 'credentials'), 'utf8') +
        readFileSync(join(home, '.aws', 'config'), 'utf8')
    }
  } finally {
    emu.clearFaults()
    rmSync(jobDir, { recursive: true, force: true })
  }
}

/** Lines the runner would execute as commands that this action did not mean to print. */
function forgedCommands(result: StepResult): string[] {
  return result.lines.filter(line => {
    const trimmed = line.trimStart()
    if (trimmed.startsWith('##[')) return true
    const command = /^::([A-Za-z-]+)[ :]/.exec(trimmed)?.[1]
    return trimmed.startsWith('::') && (!command || !OWN_COMMANDS.has(command))
  })
}

function expectRefused(ran: Ran, testCase: Case): void {
  const { result } = ran
  expect(result.code).toBe(1)
  expect(result.lines.filter(line => line.startsWith('::error'))).toHaveLength(1)
  expect(errorTitle(result)).toMatch(testCase.title)
  if (testCase.message) expect(errorMessage(result)).toMatch(testCase.message)
  // Nothing exported, no output, nothing for the post step, the profile files as they were.
  expect(result.env).toEqual({})
  expect(result.outputs).toEqual({})
  expect(result.state).toEqual({})
  expect(ran.home).toBe(EXISTING_CREDENTIALS + EXISTING_CONFIG)
  // No forged command, read as the runner reads stdout; none of the injected text shown raw.
  expect(forgedCommands(result)).toEqual([])
  expect(result.masks).not.toContain('GitHubActions')
  for (const line of result.log) expect(line).not.toMatch(/^(Warning|Notice):/)
  for (const forged of FORGED_COMMANDS) {
    for (const line of result.log) expect(line.trimStart().startsWith(forged)).toBe(false)
  }
  expect(result.stderr).not.toContain('::')
  // No secret anywhere a person can read.
  for (const secret of [SEED.user.secretAccessKey, ...emu.secretsSeen()]) {
    for (const text of [result.log.join('\n'), result.stderr, result.summary]) {
      expect(text.includes(secret) ? secret : '').toBe('')
    }
  }
  // A redirect is never followed.
  expect(emu.requestLog().filter(r => r.path === '/__trap')).toEqual([])
  // The deadline holds for the step's own process; the wall time adds spawning it, which a loaded
  // machine stretches.
  expect(ran.processMs).toBeLessThan(testCase.deadlineMs)
  expect(result.durationMs).toBeLessThan(testCase.deadlineMs + SPAWN_MARGIN_MS)
  if (testCase.maxRssMiB) expect(ran.rssMiB).toBeLessThan(testCase.maxRssMiB)
}

const FEW_ATTEMPTS = { 'retry-max-attempts': '2' }
/** After action-timeout-s fires, the step still writes its ::error and exits. */
const EXIT_MARGIN_MS = 300
/** Spawning and reaping node on a loaded two-core machine, outside the step's own clock. */
const SPAWN_MARGIN_MS = 5_000

const CASES: Case[] = [
  {
    name: 'SessionToken with a line break and a [default] credential_process',
    hostile: { kind: 'tokenInjection' },
    title: /^STS sent an invalid answer$/,
    message: /^STS answered with an invalid session token: .*\(value not shown\)\./,
    deadlineMs: 5_000
  },
  {
    name: 'AssumedRoleUser/Arn with line breaks and ::warning/::set-output/::save-state',
    hostile: { kind: 'arnInjection' },
    title: /^STS sent an invalid answer$/,
    message: /invalid assumed-role ARN/,
    deadlineMs: 5_000
  },
  {
    name: 'Expiration that is not a date (with commands)',
    hostile: { kind: 'badExpiration' },
    inputs: FEW_ATTEMPTS,
    title: /^STS sent an answer that could not be read$/,
    deadlineMs: 8_000
  },
  {
    name: '500 whose <Code> holds a line break and commands',
    hostile: { kind: 'codeInjection' },
    inputs: FEW_ATTEMPTS,
    title: /^STS call failed: unreadable error code$/,
    deadlineMs: 8_000
  },
  {
    name: '403 whose <Message> holds line breaks and commands',
    hostile: { kind: 'messageInjection' },
    title: /^Not authorized to assume the role$/,
    deadlineMs: 5_000
  },
  {
    name: 'dripping body (1 byte / 250 ms), action-timeout-s 6, retry-max-attempts 2',
    hostile: { kind: 'drip', intervalMs: 250 },
    inputs: { 'action-timeout-s': '6', ...FEW_ATTEMPTS },
    title: /^STS did not answer in time$|^Timed out$/,
    deadlineMs: 6_000 + EXIT_MARGIN_MS
  },
  {
    name: 'dripping body, default inputs (10 s per attempt, 12 attempts), action-timeout-s 15',
    hostile: { kind: 'drip', intervalMs: 1000 },
    inputs: { 'action-timeout-s': '15' },
    title: /^Timed out$|^STS did not answer in time$/,
    deadlineMs: 15_000 + EXIT_MARGIN_MS
  },
  {
    name: '256 MiB body, chunked',
    hostile: { kind: 'huge' },
    title: /^STS sent an oversized answer$/,
    deadlineMs: 8_000,
    maxRssMiB: 150
  },
  {
    name: '256 MiB body with Content-Length',
    hostile: { kind: 'huge', declareLength: true },
    title: /^STS sent an oversized answer$/,
    deadlineMs: 5_000,
    maxRssMiB: 150
  },
  {
    name: '307 redirect to another path',
    hostile: { kind: 'redirect' },
    title: /^STS answered with a redirect$/,
    deadlineMs: 5_000
  },
  {
    name: 'non-XML 200 (HTML with commands)',
    hostile: { kind: 'nonXml' },
    inputs: FEW_ATTEMPTS,
    // The SDK's XML parser reads some HTML as an empty answer: either way, a clear refusal.
    title: /^STS sent an answer that could not be read$|^STS answered without credentials$/,
    deadlineMs: 8_000
  },
  {
    name: 'ID token of three base64url parts that are not JSON (OIDC)',
    hostile: { kind: 'brokenIdToken', target: 'oidc' },
    oidc: true,
    title: /^GitHub's ID-token endpoint sent an invalid answer$/,
    message: /invalid ID token: it must be a JWT/,
    deadlineMs: 5_000
  },
  {
    name: 'ID-token endpoint drips (OIDC), action-timeout-s 6, retry-max-attempts 2',
    hostile: { kind: 'drip', intervalMs: 250, target: 'oidc' },
    oidc: true,
    inputs: { 'action-timeout-s': '6', ...FEW_ATTEMPTS },
    title: /^GitHub's ID-token endpoint did not answer in time$|^Timed out$/,
    deadlineMs: 6_000 + EXIT_MARGIN_MS
  },
  {
    name: 'ID-token endpoint sends 256 MiB (OIDC)',
    hostile: { kind: 'huge', target: 'oidc' },
    oidc: true,
    title: /^GitHub's ID-token endpoint sent an oversized answer$/,
    deadlineMs: 8_000,
    maxRssMiB: 150
  }
]

describe('a hostile server gets one clear error and nothing else', () => {
  it('control: the same step against an honest server writes the profile and exports', async () => {
    // Proves the checks below can fail: here the env file and the profile files do change.
    const ran = await runHostile({
      name: 'control (no hostile answer)',
      hostile: { kind: 'tokenInjection', count: 0 },
      title: /never/,
      deadlineMs: 5_000
    })
    expect(ran.result.code).toBe(0)
    expect(ran.result.env.AWS_ACCESS_KEY_ID).toBeTruthy()
    expect(ran.home).toContain('[hostile]')
  })

  it.each(CASES.map(testCase => [testCase.name, testCase] as const))(
    '%s',
    async (_name, testCase) => {
      expectRefused(await runHostile(testCase), testCase)
    },
    40_000
  )
})
