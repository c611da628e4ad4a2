/**
 * The credential_process line and its launcher, through every consumer's parsing rule
 * (test-support/consumer-rules.ts), on POSIX and Windows paths holding spaces, `$`, backticks,
 * `%`, `&`, quotes and non-ASCII characters: each consumer must start the launcher, and the
 * launcher must start node on the bundle with the config, whatever the paths hold.
 */
import { describe, expect, test } from '@jest/globals'
import { posix, win32 } from 'node:path'
import {
  CONFIG_NAME,
  credentialProcessLine,
  icaclsArguments,
  isSafePath,
  launcherBase,
  launcherName,
  launcherScript,
  type Platform
} from '../../src/credential-process-launcher.js'
import {
  POSIX_CONSUMERS,
  SpecialCharacter,
  WINDOWS_CONSUMERS,
  batchArgv,
  cmdCommand,
  goIniValue,
  go117IniValue,
  shCommand,
  shScriptArgv,
  shlexSplit,
  windowsSplit
} from '../../test-support/consumer-rules.js'

const HOSTILE_POSIX = [
  '/home/runner/work/_actions/octo/assume role/v1',
  '/opt/actions $HOME/x`id`/y',
  '/srv/it\'s "quoted"/%PATH% & more',
  '/Users/jürgen/アクション/работа',
  '/tmp/semi;colon #hash/~tilde'
]
const HOSTILE_WIN32 = [
  'C:\\actions-runner\\_work\\_actions\\octo\\assume role\\v1',
  'D:\\a b\\$HOME\\`id`',
  "C:\\Users\\O'Brien\\100% & more (x86)",
  'C:\\Users\\jürgen\\アクション\\работа',
  'E:\\semi;colon #hash\\^caret!bang'
]

interface Case {
  platform: Platform
  node: string
  bundle: string
  runnerTemp: string
  osTemp: string
}

function cases(platform: Platform): Case[] {
  const path = platform === 'win32' ? win32 : posix
  const hostile = platform === 'win32' ? HOSTILE_WIN32 : HOSTILE_POSIX
  const safeTemp = platform === 'win32' ? 'D:\\a\\_temp' : '/home/runner/work/_temp'
  const hostedTemp = platform === 'win32' ? 'C:\\Users\\RUNNER~1\\AppData\\Local\\Temp' : '/tmp'
  return hostile.flatMap(folder => [
    // The action under a hostile path; RUNNER_TEMP safe.
    {
      platform,
      node: path.join(
        folder,
        'externals',
        'node24',
        'bin',
        platform === 'win32' ? 'node.exe' : 'node'
      ),
      bundle: path.join(folder, 'dist', 'index.js'),
      runnerTemp: safeTemp,
      osTemp: hostedTemp
    },
    // RUNNER_TEMP hostile as well: the OS temporary folder serves.
    {
      platform,
      node: path.join(folder, 'node'),
      bundle: path.join(folder, 'dist', 'index.js'),
      runnerTemp: path.join(folder, '_temp'),
      osTemp: hostedTemp
    },
    // Both hostile: the fixed fallback (/tmp, %ProgramData%).
    {
      platform,
      node: path.join(folder, 'node'),
      bundle: path.join(folder, 'index.js'),
      runnerTemp: path.join(folder, '_temp'),
      osTemp: path.join(folder, 'tmp')
    }
  ])
}

/** What writeLauncher computes, without the files. */
function plan(c: Case): { launcher: string; configFile: string; line: string; script: string } {
  const path = c.platform === 'win32' ? win32 : posix
  const env = { RUNNER_TEMP: c.runnerTemp, ProgramData: 'C:\\ProgramData' }
  const folder = path.join(launcherBase(env, c.platform, c.osTemp), 'assume-aws-role-Xy9AbQ')
  const launcher = path.join(folder, launcherName(c.platform))
  const configFile = path.join(folder, CONFIG_NAME)
  return {
    launcher,
    configFile,
    line: credentialProcessLine(launcher, c.platform),
    script: launcherScript(c.platform, c.node, c.bundle, configFile)
  }
}

describe.each([
  ['posix', POSIX_CONSUMERS],
  ['win32', WINDOWS_CONSUMERS]
] as const)('on %s', (platform, consumers) => {
  const all = cases(platform)

  test.each(consumers.map(consumer => [consumer.name, consumer] as const))(
    '%s starts the launcher, for every hostile path',
    (_name, consumer) => {
      for (const c of all) {
        const { launcher, line } = plan(c)
        const expected = platform === 'win32' ? [launcher] : ['/bin/sh', launcher]
        expect(consumer.run(line)).toEqual(expected)
        expect(line).not.toMatch(/["'$`%&;#]/)
      }
    }
  )

  test('the launcher starts node on the bundle with its config, whatever the paths hold', () => {
    for (const c of all) {
      const { launcher, configFile, script } = plan(c)
      const argv = platform === 'win32' ? batchArgv(script, launcher) : shScriptArgv(script)
      expect(argv).toEqual([c.node, c.bundle, 'credential-process', configFile])
    }
  })

  test('the launcher folder prefers RUNNER_TEMP, then the OS temporary folder, then a fixed one', () => {
    const [first, second, third] = all
    expect(plan(first as Case).launcher.startsWith((first as Case).runnerTemp)).toBe(true)
    expect(plan(second as Case).launcher.startsWith((second as Case).osTemp)).toBe(true)
    expect(
      plan(third as Case).launcher.startsWith(platform === 'win32' ? 'C:\\ProgramData\\' : '/tmp/')
    ).toBe(true)
  })
})

describe('the rules are strict enough to catch the old line', () => {
  // Every word double-quoted, as the action wrote it before the launcher.
  const node = '/opt/actions dir/node'
  const bundle = '/opt/actions dir/dist/index.js'
  const old = [node, bundle, 'credential-process', '/tmp/c.json'].map(p => `"${p}"`).join(' ')

  test('botocore and sh split it as meant', () => {
    expect(shlexSplit(old)).toEqual([node, bundle, 'credential-process', '/tmp/c.json'])
    expect(shCommand(old)).toEqual([node, bundle, 'credential-process', '/tmp/c.json'])
  })

  test('Go SDK v2 strips the outer quotes: sh gets one word that names no program', () => {
    expect(goIniValue(old)).toBe(`${node}" "${bundle}" "credential-process" "/tmp/c.json`)
    expect(shCommand(goIniValue(old))).not.toEqual([
      node,
      bundle,
      'credential-process',
      '/tmp/c.json'
    ])
  })

  test("Debian's Go SDK v2 1.17 keeps only the first quoted word", () => {
    expect(go117IniValue(old)).toBe(node)
  })

  test('sh expands a $ in a double-quoted path; cmd expands %', () => {
    expect(() => shCommand('"/opt/$HOME/node" x')).toThrow(SpecialCharacter)
    expect(() => cmdCommand('"C:\\100%\\node.exe" x', true)).toThrow(SpecialCharacter)
  })

  test('cmd /C without /S strips the outer quotes of a line with more than two', () => {
    const line = '"C:\\a b\\node.exe" "C:\\a b\\index.js"'
    // cmd is left with `C:\a b\node.exe" "C:\a b\index.js`: the program becomes `C:\a`.
    expect(cmdCommand(line, false)[0]).toBe('C:\\a')
  })
})

describe('safe paths', () => {
  test.each([
    ['/home/runner/work/_temp/assume-aws-role-AbC123/credential-process', 'posix', true],
    ['/tmp/a b', 'posix', false],
    ['/tmp/$x', 'posix', false],
    ['/tmp/~x', 'posix', false],
    ['/tmp/ü', 'posix', false],
    ['relative/path', 'posix', false],
    ['D:\\a\\_temp\\assume-aws-role-AbC123\\credential-process.cmd', 'win32', true],
    ['C:\\Users\\RUNNER~1\\AppData\\Local\\Temp', 'win32', true],
    ['C:\\Program Files\\x', 'win32', false],
    ['C:\\100%', 'win32', false],
    ['C:\\a&b', 'win32', false],
    ['\\\\server\\share', 'win32', false]
  ] as const)('%s on %s: %s', (path, platform, safe) => {
    expect(isSafePath(path, platform)).toBe(safe)
  })

  test('no safe folder at all is an error naming the candidates and the fix', () => {
    expect(launcherBase({ RUNNER_TEMP: 'C:\\a b' }, 'win32', 'C:\\c d')).toBe('C:\\ProgramData')
    expect(() =>
      launcherBase({ RUNNER_TEMP: 'C:\\a b', ProgramData: 'C:\\Program Data' }, 'win32', 'C:\\c d')
    ).toThrow('Set TMPDIR or TEMP to such a folder')
  })

  test('a launcher path that is not safe is never written into a line', () => {
    expect(() => credentialProcessLine('/tmp/a b/credential-process', 'posix')).toThrow(
      'unsafe launcher path'
    )
  })

  test("Windows: icacls replaces the folder's inherited access with the user's alone", () => {
    expect(icaclsArguments('D:\\a\\_temp\\x', 'RUNNER\\runneradmin')).toEqual([
      'D:\\a\\_temp\\x',
      '/inheritance:r',
      '/grant:r',
      'RUNNER\\runneradmin:(OI)(CI)F',
      '/q'
    ])
  })

  test('the C runtime rule: backslashes before a quote', () => {
    expect(windowsSplit('"a\\\\" b\\c "d\\"e"')).toEqual(['a\\', 'b\\c', 'd"e'])
  })
})
