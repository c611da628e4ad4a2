/** Splicing profile sections: only our sections change, everything else stays byte for byte. */
import { describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix, win32 } from 'node:path'
import {
  profilePaths,
  renameRetrying,
  spliceSection,
  undoChange,
  writeSections
} from '../../src/profile-files.js'
import { IS_WINDOWS, expectMode } from '../../test-support/platform.js'

const FILE =
  '# top comment\n[default]\nregion = eu-west-1\n\n[profile dev] ; inline\nregion = us-east-2\n; note\n[profile prod]\nregion = eu-central-1\n'

describe('spliceSection', () => {
  test('replaces exactly one section, up to the next header, keeping comments elsewhere', () => {
    const out = spliceSection(FILE, 'profile dev', '[profile dev]\nregion = ap-south-1\n')
    expect(out).toBe(
      '# top comment\n[default]\nregion = eu-west-1\n\n[profile dev]\nregion = ap-south-1\n[profile prod]\nregion = eu-central-1\n'
    )
  })

  test('appends a new section after a blank line, and removes it again byte for byte', () => {
    const added = spliceSection(FILE, 'profile ci', '[profile ci]\nregion = us-east-1\n')
    expect(added).toBe(`${FILE}\n[profile ci]\nregion = us-east-1\n`)
    expect(spliceSection(added, 'profile ci', '').replace(/\n$/, '')).toBe(FILE)
  })

  test('handles files without a final newline, CRLF lines and headers with spaces', () => {
    expect(spliceSection('[a]\nx = 1', 'b', '[b]\ny = 2\n')).toBe('[a]\nx = 1\n\n[b]\ny = 2\n')
    expect(spliceSection('[ a ]\r\nx = 1\r\n[b]\r\n', 'a', '')).toBe('[b]\r\n')
  })

  test('a section name that is a prefix of another is not confused with it', () => {
    const text = '[deploy-source]\nk = 1\n[deploy]\nk = 2\n'
    expect(spliceSection(text, 'deploy', '[deploy]\nk = 3\n')).toBe(
      '[deploy-source]\nk = 1\n[deploy]\nk = 3\n'
    )
  })
})

describe('writeSections and undoChange', () => {
  test('write 0600, then restore the previous content exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const path = join(dir, 'aws', 'config')
    const first = await writeSections(path, [
      { header: 'profile ci', entries: [['region', 'us-east-1']] }
    ])
    expect(first.original).toBeNull()
    expectMode(path, 0o600)
    expectMode(join(dir, 'aws'), 0o700)
    expect(await undoChange(first)).toBe('restored')
    expect(() => statSync(path)).toThrow()

    writeFileSync(path, FILE)
    const second = await writeSections(path, [
      { header: 'profile dev', entries: [['region', 'x']] }
    ])
    expect(await undoChange(second)).toBe('restored')
    expect(readFileSync(path, 'utf8')).toBe(FILE)
  })

  test('when another step changed the file since, only our sections are removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const path = join(dir, 'config')
    writeFileSync(path, FILE)
    const change = await writeSections(path, [
      { header: 'profile ci', entries: [['region', 'us-east-1']] }
    ])
    writeFileSync(path, `${readFileSync(path, 'utf8')}[profile later]\nregion = sa-east-1\n`)
    expect(await undoChange(change)).toBe('removed-sections')
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain('[profile ci]')
    expect(text).toContain('[profile later]\nregion = sa-east-1\n')
    expect(text.startsWith(FILE)).toBe(true)
  })

  test('an existing CRLF file gets CRLF sections, and loses them again byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const path = join(dir, 'config')
    const crlf = '[default]\r\nregion = eu-west-1\r\n'
    writeFileSync(path, crlf)
    const change = await writeSections(path, [
      {
        header: 'profile ci',
        entries: [
          ['region', 'us-east-1'],
          ['output', 'json']
        ]
      }
    ])
    expect(readFileSync(path, 'utf8')).toBe(
      `${crlf}\r\n[profile ci]\r\nregion = us-east-1\r\noutput = json\r\n`
    )
    writeFileSync(path, `${readFileSync(path, 'utf8')}[profile later]\r\nregion = x\r\n`)
    expect(await undoChange(change)).toBe('removed-sections')
    expect(readFileSync(path, 'utf8')).toBe(`${crlf}\r\n[profile later]\r\nregion = x\r\n`)
  })

  test('a symbolic link is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    writeFileSync(join(dir, 'target'), 'x')
    symlinkSync(join(dir, 'target'), join(dir, 'credentials'))
    await expect(writeSections(join(dir, 'credentials'), [])).rejects.toThrow('symbolic link')
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
      writeSections(join(dir, '.aws', 'credentials'), [{ header: 'ci', entries: [['k', 'v']] }])
    ).rejects.toThrow(`${join(dir, '.aws')} is a symbolic link`)
    expect(() => statSync(join(dir, 'elsewhere', 'credentials'))).toThrow()
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
