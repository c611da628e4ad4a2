/** Splicing profile sections: only our sections change, everything else stays byte for byte. */
import { describe, expect, test } from '@jest/globals'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix, win32 } from 'node:path'
import { lock } from 'proper-lockfile'
import { FileSystemError } from '../../../src/profiles/file-error.js'
import {
  findSection,
  planUndo,
  planWrite,
  profilePaths,
  renameRetrying,
  SectionTakenError,
  undoProfileFiles,
  writeProfileFiles,
  type FileChange
} from '../../../src/profiles/files.js'
import { LOCK_NAME, withFileLock } from '../../../src/profiles/lock.js'
import { IS_WINDOWS, expectMode } from '../../../test-support/platform.js'

const FILE =
  '# top comment\n[default]\nregion = eu-west-1\n\n[profile dev] ; inline\nregion = us-east-2\n; note\n[profile prod]\nregion = eu-central-1\n'
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1')
const ci = { header: 'profile ci', entries: [['region', 'us-east-1']] as Array<[string, string]> }

describe('planWrite and planUndo', () => {
  test('appends after a blank line, and takes exactly those bytes back', () => {
    const { next, edits } = planWrite('f', bytes(FILE), [ci], false)
    expect(next.toString()).toBe(`${FILE}\n[profile ci]\nregion = us-east-1\n`)
    expect(planUndo(next, edits)).toEqual({ next: bytes(FILE), missing: [] })
  })

  test('replaces a section up to its last key (comments before the next header stay), and brings it back', () => {
    const { next, edits } = planWrite(
      'f',
      bytes(FILE),
      [{ header: 'profile dev', entries: [['region', 'ap-south-1']] }],
      true
    )
    expect(next.toString()).toBe(
      '# top comment\n[default]\nregion = eu-west-1\n\n[profile dev]\nregion = ap-south-1\n; note\n[profile prod]\nregion = eu-central-1\n'
    )
    expect(planUndo(next, edits).next.toString()).toBe(FILE)
  })

  test('an existing section without overwrite is refused', () => {
    expect(() =>
      planWrite('f', bytes(FILE), [{ header: 'profile dev', entries: [] }], false)
    ).toThrow(SectionTakenError)
  })

  test('no final newline, CRLF, CR-only: the separator keeps an LF before our header', () => {
    expect(planWrite('f', bytes('[a]\nx = 1'), [ci], false).next.toString()).toBe(
      '[a]\nx = 1\n\n[profile ci]\nregion = us-east-1\n'
    )
    expect(planWrite('f', bytes('[a]\r\nx = 1\r\n'), [ci], false).next.toString()).toBe(
      '[a]\r\nx = 1\r\n\r\n[profile ci]\r\nregion = us-east-1\r\n'
    )
    expect(planWrite('f', bytes('[a]\rx = 1\r'), [ci], false).next.toString()).toBe(
      '[a]\rx = 1\r\n\n[profile ci]\nregion = us-east-1\n'
    )
    expect(planWrite('f', null, [ci], false).next.toString()).toBe(
      '[profile ci]\nregion = us-east-1\n'
    )
  })

  test('headers are found with blanks, after a BOM, at CR line ends; a prefix is not the name', () => {
    expect(findSection(bytes('\xef\xbb\xbf[ a ]\nk = 1\n'), 'a')).toEqual({ start: 3, end: 15 })
    expect(findSection(bytes('[b]\rk = 1\r[profile  a]\rk = 2\r'), 'profile a')).toEqual({
      start: 10,
      end: 29
    })
    expect(findSection(bytes('[deploy-source]\nk = 1\n'), 'deploy')).toBeUndefined()
  })

  test('undo in any order with another job between: each takes only its own bytes', () => {
    const user = bytes('# M\xfcller\n[a]\nk = 1')
    const one = planWrite('f', user, [{ header: 'p1', entries: [['k', 'v1']] }], false)
    const two = planWrite('f', one.next, [{ header: 'p2', entries: [['k', 'v2']] }], false)
    const firstOut = planUndo(two.next, one.edits)
    expect(firstOut.missing).toEqual([])
    expect(planUndo(firstOut.next, two.edits).next.equals(user)).toBe(true)
    const secondOut = planUndo(two.next, two.edits)
    expect(planUndo(secondOut.next, one.edits).next.equals(user)).toBe(true)
  })

  test('a section someone added a key to is not ours any more: left, reported missing', () => {
    const { next, edits } = planWrite('f', bytes(FILE), [ci], false)
    const changed = Buffer.concat([next, bytes('output = json\n')])
    expect(planUndo(changed, edits)).toEqual({ next: changed, missing: ['profile ci'] })
  })
})

describe('writeProfileFiles and undoProfileFiles', () => {
  test('0600 files in a 0700 folder; the record is handed over before the files change; undo deletes what it created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const path = join(dir, 'aws', 'config')
    let recorded: FileChange[] = []
    const changes = await writeProfileFiles([{ path, sections: [ci] }], false, async record => {
      recorded = record
      expect(() => statSync(path)).toThrow()
    })
    expect(recorded).toEqual(changes)
    expectMode(path, 0o600)
    expectMode(join(dir, 'aws'), 0o700)
    await undoProfileFiles(changes, () => undefined)
    expect(readdirSync(join(dir, 'aws'))).toEqual([])
  })

  test('a file the user had, even empty, stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const path = join(dir, 'config')
    writeFileSync(path, '')
    const changes = await writeProfileFiles(
      [{ path, sections: [ci] }],
      false,
      async () => undefined
    )
    await undoProfileFiles(changes, () => undefined)
    expect(readFileSync(path, 'utf8')).toBe('')
  })

  test('a symbolic link is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    writeFileSync(join(dir, 'target'), 'x')
    symlinkSync(join(dir, 'target'), join(dir, 'credentials'))
    await expect(
      writeProfileFiles(
        [{ path: join(dir, 'credentials'), sections: [ci] }],
        false,
        async () => undefined
      )
    ).rejects.toThrow('symbolic link')
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('x')
  })
})

describe('a symbolically linked .aws folder', () => {
  test('is refused and nothing is written through it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    mkdirSync(join(dir, 'elsewhere'))
    // A junction needs no privilege on Windows; elsewhere the type is ignored.
    symlinkSync(join(dir, 'elsewhere'), join(dir, '.aws'), 'junction')
    await expect(
      writeProfileFiles(
        [
          {
            path: join(dir, '.aws', 'credentials'),
            sections: [{ header: 'ci', entries: [['k', 'v']] }]
          }
        ],
        false,
        async () => undefined
      )
    ).rejects.toThrow(`${join(dir, '.aws')} is a symbolic link`)
    expect(() => statSync(join(dir, 'elsewhere', 'credentials'))).toThrow()
  })
})

describe('the lock', () => {
  test('a lock held too long fails after the wait, naming the lock and its holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const file = join(dir, 'config')
    const env = { GITHUB_REPOSITORY: 'octo/repo', GITHUB_RUN_ID: '7', GITHUB_JOB: 'deploy' }
    let release: () => void = () => undefined
    const held = withFileLock([file], () => new Promise<void>(resolve => (release = resolve)), {
      env
    })
    await new Promise(resolve => setTimeout(resolve, 100))
    const error = await withFileLock([file], async () => 'never', { waitMs: 300 }).catch(
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(FileSystemError)
    const message = (error as Error).message
    expect(message).toContain(`Could not lock ${dir}: another job holds the lock`)
    expect(message).toContain(join(dir, LOCK_NAME))
    expect(message).toContain(`process ${process.pid}`)
    expect(message).toContain('octo/repo run 7 job deploy')
    release()
    await held
    expect(await withFileLock([file], async () => 'free again')).toBe('free again')
  })

  test('a stale lock (its holder killed, not refreshed for 10 s) is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    mkdirSync(join(dir, LOCK_NAME))
    const old = new Date(Date.now() - 11_000)
    utimesSync(join(dir, LOCK_NAME), old, old)
    expect(await withFileLock([join(dir, 'config')], async () => 'taken', { waitMs: 1_000 })).toBe(
      'taken'
    )
    // proper-lockfile is what holds it: its own check sees it released.
    await expect(
      lock(dir, { lockfilePath: join(dir, LOCK_NAME), realpath: false })
    ).resolves.toBeDefined()
  })
})

describe('renameRetrying', () => {
  const busy = (code: string): Error => Object.assign(new Error(code), { code })

  test('retries briefly while another process holds the file (EPERM, EBUSY), then succeeds', async () => {
    const codes = ['EPERM', 'EBUSY', 'EPERM']
    let calls = 0
    await renameRetrying('a', 'b', async () => {
      calls++
      const code = codes.shift()
      if (code) throw busy(code)
    })
    expect(calls).toBe(4)
  })

  test('gives up after about half a second, and never retries other errors', async () => {
    let calls = 0
    const started = Date.now()
    await expect(
      renameRetrying('a', 'b', async () => {
        calls++
        throw busy('EBUSY')
      })
    ).rejects.toThrow('EBUSY')
    expect(calls).toBe(6)
    expect(Date.now() - started).toBeLessThan(3_000)
    calls = 0
    await expect(
      renameRetrying('a', 'b', async () => {
        calls++
        throw busy('ENOENT')
      })
    ).rejects.toThrow('ENOENT')
    expect(calls).toBe(1)
  })
})

describe('profilePaths: where the AWS CLI and the Go SDK look', () => {
  test('POSIX: HOME, and ~ in AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE is HOME', () => {
    expect(profilePaths({ HOME: '/home/runner' }, 'posix', '/fallback')).toEqual({
      credentials: '/home/runner/.aws/credentials',
      config: '/home/runner/.aws/config'
    })
    expect(
      profilePaths(
        { HOME: '/home/runner', AWS_CONFIG_FILE: '~/cfg/aws', AWS_SHARED_CREDENTIALS_FILE: '~' },
        'posix',
        '/fallback'
      )
    ).toEqual({ credentials: '/home/runner', config: '/home/runner/cfg/aws' })
    // Only a leading ~ followed by a separator: ~user and inner tildes are left alone.
    expect(profilePaths({ AWS_CONFIG_FILE: '~other/x', HOME: '/h' }, 'posix', '/f').config).toBe(
      '~other/x'
    )
    expect(profilePaths({}, 'posix', '/fallback').config).toBe(
      posix.join('/fallback', '.aws', 'config')
    )
  })

  test('Windows: USERPROFILE before HOME, then HOMEDRIVE+HOMEPATH; ~\\ and ~/ expand', () => {
    const env = { HOME: 'C:\\msys\\home\\runner', USERPROFILE: 'C:\\Users\\runneradmin' }
    expect(profilePaths(env, 'win32', 'C:\\fallback')).toEqual({
      credentials: 'C:\\Users\\runneradmin\\.aws\\credentials',
      config: 'C:\\Users\\runneradmin\\.aws\\config'
    })
    expect(
      profilePaths({ HOMEDRIVE: 'D:', HOMEPATH: '\\Users\\me', HOME: 'C:\\h' }, 'win32', 'C:\\f')
        .config
    ).toBe('D:\\Users\\me\\.aws\\config')
    expect(
      profilePaths(
        { ...env, AWS_CONFIG_FILE: '~\\cfg\\aws', AWS_SHARED_CREDENTIALS_FILE: '~/creds' },
        'win32',
        'C:\\f'
      )
    ).toEqual({
      credentials: win32.join('C:\\Users\\runneradmin', 'creds'),
      config: 'C:\\Users\\runneradmin\\cfg\\aws'
    })
    expect(profilePaths({}, 'win32', 'C:\\Users\\x').config).toBe('C:\\Users\\x\\.aws\\config')
  })

  test('this platform resolves the same way', () => {
    const home = IS_WINDOWS ? 'C:\\Users\\me' : '/home/me'
    const env = IS_WINDOWS ? { USERPROFILE: home } : { HOME: home }
    expect(profilePaths({ ...env, AWS_CONFIG_FILE: '~/c' }).config).toBe(join(home, 'c'))
  })
})
