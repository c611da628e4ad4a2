/**
 * The user's AWS files survive everything, through the committed bundle: odd encodings byte for
 * byte, concurrent jobs sharing one HOME (as runner instances of one user do), every order of
 * several jobs' main and post steps, a kill at each write boundary, a full disk, a read-only file
 * system, a config that is a directory, a 50 MB config.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  MAIN_ENTRY,
  errorMessage,
  errorTitle,
  githubContext,
  newJobDir,
  runPost,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

function inputs(profile: string): Record<string, string> {
  return {
    'aws-region': 'us-east-1',
    'role-to-assume': SEED.roles.deploy,
    'aws-access-key-id': SEED.user.accessKeyId,
    'aws-secret-access-key': SEED.user.secretAccessKey,
    'sts-endpoint': emu.url,
    'aws-profile': profile
  }
}

interface Home {
  jobDir: string
  aws: string
  credentials: string
  config: string
}

function home(jobDir: string = newJobDir()): Home {
  const aws = join(githubContext(jobDir).HOME ?? '', '.aws')
  mkdirSync(aws, { recursive: true, mode: 0o700 })
  return { jobDir, aws, credentials: join(aws, 'credentials'), config: join(aws, 'config') }
}

/** A user's files from legacy tools: Latin-1 bytes, a stray 0xFF, no final newline. */
const USER_CONFIG = Buffer.from(
  '# Gr\xfc\xdfe aus M\xfcnchen \xff\n[default]\r\nregion = eu-central-1\n[profile other]\nregion = us-west-2',
  'latin1'
)
const USER_CREDENTIALS = Buffer.from(
  '[other]\naws_access_key_id = AKIAOTHEREXAMPLE\naws_secret_access_key = other/secret\n; caf\xe9\n',
  'latin1'
)

function withUserFiles(jobDir?: string): Home {
  const files = home(jobDir)
  writeFileSync(files.config, USER_CONFIG, { mode: 0o600 })
  writeFileSync(files.credentials, USER_CREDENTIALS, { mode: 0o600 })
  return files
}

function expectUserFiles(files: Home): void {
  expect(readFileSync(files.config).toString('hex')).toBe(USER_CONFIG.toString('hex'))
  expect(readFileSync(files.credentials).toString('hex')).toBe(USER_CREDENTIALS.toString('hex'))
}

/** What the action leaves in ~/.aws besides the two files: nothing, once every step is done. */
function leftovers(files: Home): string[] {
  return readdirSync(files.aws).filter(name => name !== 'config' && name !== 'credentials')
}

/** Sections in a file: header lines. */
function headers(path: string): string[] {
  if (!existsSync(path)) return []
  return [...readFileSync(path, 'latin1').matchAll(/^\[([^\]]+)\]/gm)].map(match => match[1] ?? '')
}

describe('every byte of the user comes back', () => {
  const cases: Array<[string, Buffer]> = [
    [
      'invalid UTF-8',
      Buffer.from([0x5b, 0x61, 0x5d, 0x0a, 0x6b, 0x20, 0x3d, 0x20, 0xc3, 0x28, 0x80, 0x0a])
    ],
    ['Latin-1 0xFC and 0xFF', Buffer.from('# M\xfcller\n[a]\nk = \xff\n', 'latin1')],
    ['NUL bytes', Buffer.from('[a]\nk = v\u0000w\n\u0000\n', 'latin1')],
    ['a UTF-8 BOM', Buffer.from('\ufeff[default]\nregion = eu-west-1\n', 'utf8')],
    ['CR-only line ends', Buffer.from('[a]\rk = v\r# note\r', 'latin1')],
    ['mixed line ends', Buffer.from('[a]\r\nk = v\n# x\r[b]\nk = w\r\n', 'latin1')],
    ['no final newline', Buffer.from('[a]\nk = v', 'latin1')]
  ]

  test.each(cases)('%s: main then post, both files byte for byte', async (_name, bytes) => {
    const files = home()
    writeFileSync(files.config, bytes, { mode: 0o600 })
    writeFileSync(files.credentials, bytes, { mode: 0o600 })
    const main = await runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci') })
    expect(main.code).toBe(0)
    for (const path of [files.config, files.credentials]) {
      const written = readFileSync(path)
      // The user's bytes are still the start of the file; only ours follow.
      expect(written.subarray(0, bytes.length).equals(bytes)).toBe(true)
      expect(written.subarray(bytes.length).toString('latin1')).toMatch(
        /^(\r?\n){0,2}\[(profile )?ci\]\r?\n/
      )
    }
    const post = await runPost(main, { jobDir: files.jobDir })
    expect(post.code).toBe(0)
    expect(readFileSync(files.config).toString('hex')).toBe(bytes.toString('hex'))
    expect(readFileSync(files.credentials).toString('hex')).toBe(bytes.toString('hex'))
    expect(leftovers(files)).toEqual([])
  })

  test('the AWS CLI still reads the profile written after a CR-only file', async () => {
    const files = home()
    writeFileSync(files.config, Buffer.from('[profile x]\rregion = eu-west-1\r', 'latin1'))
    const main = await runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci') })
    expect(main.code).toBe(0)
    const cli = execFileSync('/usr/bin/aws', ['configure', 'get', 'region', '--profile', 'ci'], {
      env: { PATH: process.env.PATH, HOME: join(files.jobDir, 'home') }
    })
    expect(cli.toString().trim()).toBe('us-east-1')
  })
})

describe('jobs sharing one HOME', () => {
  test('8 main steps at once, then 8 post steps at once, three times: no section lost, none left', async () => {
    const files = withUserFiles()
    const names = Array.from({ length: 8 }, (_, index) => `p${index + 1}`)
    for (let round = 0; round < 3; round++) {
      const mains = await Promise.all(
        names.map(name => runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs(name) }))
      )
      expect(mains.map(main => main.code)).toEqual(names.map(() => 0))
      expect(mains.map(main => main.env.AWS_PROFILE)).toEqual(names)
      expect(headers(files.credentials).sort()).toEqual(['other', ...names].sort())
      expect(headers(files.config).sort()).toEqual(
        ['default', 'profile other', ...names.map(name => `profile ${name}`)].sort()
      )
      const posts = await Promise.all(mains.map(main => runPost(main, { jobDir: files.jobDir })))
      expect(posts.map(post => post.code)).toEqual(names.map(() => 0))
      for (const post of posts)
        expect(post.log.filter(line => line.startsWith('Warning'))).toEqual([])
      expectUserFiles(files)
      expect(leftovers(files)).toEqual([])
    }
  })

  /**
   * Every interleaving of n jobs' main and post steps (each job's main before its post). The jobs
   * are alike but for their profile name, so orders that differ only in which job is called 1, 2
   * or 3 are one order: the mains are numbered in the order they start.
   */
  function orders(jobs: number): string[][] {
    const out: string[][] = []
    const walk = (sequence: string[], started: number, ended: Set<number>): void => {
      if (sequence.length === jobs * 2) {
        out.push(sequence)
        return
      }
      if (started < jobs) walk([...sequence, `main${started + 1}`], started + 1, ended)
      for (let job = 1; job <= started; job++) {
        if (!ended.has(job)) walk([...sequence, `post${job}`], started, new Set([...ended, job]))
      }
    }
    walk([], 0, new Set())
    return out
  }

  test('orders: 3 of 2 jobs and 15 of 3 jobs are all there is', () => {
    expect(orders(2).map(order => order.join(' '))).toEqual([
      'main1 main2 post1 post2',
      'main1 main2 post2 post1',
      'main1 post1 main2 post2'
    ])
    expect(orders(3)).toHaveLength(15)
  })

  test.each([2, 3])(
    'every order of %i jobs’ main and post steps: both files byte for byte the user’s at the end, on a fresh home and on the user’s files',
    async jobs => {
      const run = async (order: string[], fresh: boolean): Promise<void> => {
        const files = fresh ? home() : withUserFiles()
        const mains = new Map<string, StepResult>()
        for (const step of order) {
          const job = step.slice(-1)
          if (step.startsWith('main')) {
            const main = await runStep(MAIN_ENTRY, {
              jobDir: files.jobDir,
              inputs: inputs(`p${job}`)
            })
            expect(main.code).toBe(0)
            mains.set(job, main)
          } else {
            const post = await runPost(mains.get(job) as StepResult, { jobDir: files.jobDir })
            expect(post.code).toBe(0)
            expect(post.log.filter(line => line.startsWith('Warning'))).toEqual([])
            // The jobs still running keep their profiles.
            for (const [other] of mains) {
              const running = !order.slice(0, order.indexOf(step) + 1).includes(`post${other}`)
              expect(headers(files.credentials).includes(`p${other}`)).toBe(running)
            }
          }
        }
        if (fresh) {
          expect(existsSync(files.config)).toBe(false)
          expect(existsSync(files.credentials)).toBe(false)
        } else expectUserFiles(files)
        expect(leftovers(files)).toEqual([])
      }
      // Each order on a fresh home and on the user's files (with 3 jobs, alternately: time).
      const all = orders(jobs).flatMap((order, index): Array<[string[], boolean]> =>
        jobs === 2
          ? [
              [order, true],
              [order, false]
            ]
          : [[order, index % 2 === 0]]
      )
      for (let index = 0; index < all.length; index += 3) {
        await Promise.all(all.slice(index, index + 3).map(([order, fresh]) => run(order, fresh)))
      }
    },
    120_000
  )
})

/** Runs a step that pauses at `point` (profiles/test-pause.ts), kills it there with SIGKILL, returns it. */
async function killedAt(
  point: string,
  jobDir: string,
  start: (env: Record<string, string>) => Promise<StepResult>
): Promise<StepResult> {
  const pauseFile = join(jobDir, `pause-${point.replace(/:/g, '-')}`)
  const step = start({ ASSUME_AWS_ROLE_TEST_PAUSE: `${point}=${pauseFile}` })
  let finished = false
  void step.finally(() => (finished = true))
  const until = Date.now() + 30_000
  while (!existsSync(pauseFile) || readFileSync(pauseFile, 'utf8') === '') {
    if (finished || Date.now() > until) throw new Error(`the step never reached ${point}`)
    await sleep(20)
  }
  process.kill(Number(readFileSync(pauseFile, 'utf8')), 'SIGKILL')
  const result = await step
  expect(result.code).toBeNull()
  return result
}

describe('a kill at each write boundary', () => {
  const temporary = /^\.assume-aws-role\.\d+\.[0-9a-f]{12}\.tmp$/
  const mainPoints = [
    'main:locked',
    'main:recorded',
    'main:credentials:temporary',
    'main:credentials:renamed',
    'main:config:temporary',
    'main:config:renamed'
  ]
  const postPoints = [
    'post:locked',
    'post:config:temporary',
    'post:config:renamed',
    'post:credentials:temporary',
    'post:credentials:renamed'
  ]

  test('main killed at each: its post step (after the stale lock is recovered) brings back every byte and removes the temporary file', async () => {
    await Promise.all(
      mainPoints.map(async point => {
        const files = withUserFiles()
        const main = await killedAt(point, files.jobDir, env =>
          runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci'), env })
        )
        const left = leftovers(files).filter(name => !name.startsWith('pause-'))
        if (point.endsWith(':temporary')) {
          // The temporary file (new content, keys included) is there, private and named for us.
          const temp = left.find(name => temporary.test(name)) ?? ''
          expect(temp).not.toBe('')
          expect(statSync(join(files.aws, temp)).mode & 0o777).toBe(0o600)
        }
        expect(left).toContain('.assume-aws-role.lock')
        const post = await runPost(main, { jobDir: files.jobDir, timeoutMs: 90_000 })
        expect(post.code).toBe(0)
        expect(post.log.filter(line => line.startsWith('Warning'))).toEqual([])
        expectUserFiles(files)
        expect([point, leftovers(files)]).toEqual([point, []])
      })
    )
  }, 120_000)

  test('post killed at each: every file is whole (before or after), and a post run again brings back every byte', async () => {
    await Promise.all(
      postPoints.map(async point => {
        const files = withUserFiles()
        const main = await runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci') })
        expect(main.code).toBe(0)
        const written = {
          config: readFileSync(files.config),
          credentials: readFileSync(files.credentials)
        }
        await killedAt(point, files.jobDir, env => runPost(main, { jobDir: files.jobDir, env }))
        const config = readFileSync(files.config)
        const credentials = readFileSync(files.credentials)
        expect(config.equals(written.config) || config.equals(USER_CONFIG)).toBe(true)
        expect(
          credentials.equals(written.credentials) || credentials.equals(USER_CREDENTIALS)
        ).toBe(true)
        const again = await runPost(main, { jobDir: files.jobDir, timeoutMs: 90_000 })
        expect(again.code).toBe(0)
        expectUserFiles(files)
        expect(leftovers(files)).toEqual([])
      })
    )
  }, 120_000)
})

/** Runs mount(8); a test that needs a mount fails saying how to get one, never skips. */
function mountOrFail(args: string[]): void {
  try {
    execFileSync('mount', args, { stdio: 'pipe' })
  } catch (error) {
    throw new Error(
      `mount ${args.join(' ')} failed: these tests need root and mount(8) (CI runs as root): ${(error as Error).message}`,
      { cause: error }
    )
  }
}

describe('file systems that refuse', () => {
  test('ENOSPC on a small tmpfs: the step fails naming the file and the cause, nothing exported, every byte kept, no temporary file', async () => {
    const files = home()
    rmSync(files.aws, { recursive: true })
    mkdirSync(files.aws, { mode: 0o700 })
    mountOrFail(['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', files.aws])
    try {
      // 40 KB of config: its temporary copy does not fit beside it in 64 KB.
      const config = Buffer.from(`[default]\nregion = eu-west-1\n${'# padding\n'.repeat(4000)}`)
      writeFileSync(files.config, config, { mode: 0o600 })
      const main = await runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci') })
      expect(main.code).toBe(1)
      expect(errorTitle(main)).toBe('Could not write ~/.aws/config: no space left on device')
      expect(errorMessage(main)).toContain('Free space on the device')
      expect(errorTitle(main)).not.toContain('STS call failed')
      expect(main.env).toEqual({})
      expect(readFileSync(files.config).equals(config)).toBe(true)
      // The credentials file written first is taken back: it did not exist, so it is gone.
      expect(existsSync(files.credentials)).toBe(false)
      expect(leftovers(files)).toEqual([])
      const post = await runPost(main, { jobDir: files.jobDir })
      expect(post.code).toBe(0)
      expect(readFileSync(files.config).equals(config)).toBe(true)
    } finally {
      execFileSync('umount', [files.aws])
    }
  })

  test('a read-only bind mount: refused before any call to AWS, titled for the file', async () => {
    const files = withUserFiles()
    mountOrFail(['--bind', files.aws, files.aws])
    try {
      mountOrFail(['-o', 'remount,bind,ro', files.aws])
      emu.resetStats()
      const main = await runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci') })
      expect(main.code).toBe(1)
      expect(errorTitle(main)).toBe('Could not write ~/.aws/credentials: read-only file system')
      expect(errorMessage(main)).toContain('mounted read-only')
      expect(emu.stats().requests).toBe(0)
      expect(main.env).toEqual({})
      expectUserFiles(files)
    } finally {
      execFileSync('umount', [files.aws])
    }
  })

  test('a config that is a directory: named, before any call', async () => {
    const files = home()
    mkdirSync(files.config)
    emu.resetStats()
    const main = await runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci') })
    expect(main.code).toBe(1)
    expect(errorTitle(main)).toBe('Could not read ~/.aws/config: it is a directory')
    expect(emu.stats().requests).toBe(0)
    expect(main.env).toEqual({})
  })
})

test('a 50 MB config: written and restored byte for byte', async () => {
  const files = home()
  const sections: string[] = []
  for (let size = 0, i = 0; size < 50e6; i++) {
    const section = `[profile acct-${i}]\nsso_session = corp\nsso_account_id = ${100000000000 + i}\nsso_role_name = ReadOnly\n\n`
    sections.push(section)
    size += section.length
  }
  const config = Buffer.from(sections.join(''))
  writeFileSync(files.config, config)
  const main = await runStep(MAIN_ENTRY, { jobDir: files.jobDir, inputs: inputs('ci') })
  expect(main.code).toBe(0)
  const written = readFileSync(files.config)
  expect(written.subarray(0, config.length).equals(config)).toBe(true)
  expect(written.subarray(config.length).toString()).toBe('[profile ci]\nregion = us-east-1\n')
  const post = await runPost(main, { jobDir: files.jobDir })
  expect(post.code).toBe(0)
  expect(post.log.filter(line => line.startsWith('Warning'))).toEqual([])
  expect(readFileSync(files.config).equals(config)).toBe(true)
  expect(existsSync(files.credentials)).toBe(false)
}, 60_000)
