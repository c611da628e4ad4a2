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
  launcherBaseCandidates,
  sidFromWhoami,
  launcherName,
  launcherScript,
  type Platform
} from '../../../src/profiles/launcher.js'
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
} from '../../../test-support/consumer-rules.js'

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
  // A private temporary folder of the user (Windows: %TEMP%; POSIX: TMPDIR or XDG_RUNTIME_DIR).
  const hostedTemp =
    platform === 'win32' ? 'C:\\Users\\RUNNER~1\\AppData\\Local\\Temp' : '/run/user/1001'
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
    // RUNNER_TEMP hostile as well: the user's private temporary folder serves.
    {
      platform,
      node: path.join(folder, 'node'),
      bundle: path.join(folder, 'dist', 'index.js'),
      runnerTemp: path.join(folder, '_temp'),
      osTemp: hostedTemp
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

  test('the launcher folder prefers RUNNER_TEMP, then a private temporary folder of the user', () => {
    const [first, second] = all
    expect(plan(first as Case).launcher.startsWith((first as Case).runnerTemp)).toBe(true)
    expect(plan(second as Case).launcher.startsWith((second as Case).osTemp)).toBe(true)
  })

  test('never a shared temporary folder: with RUNNER_TEMP unsafe and only a shared one left, refresh is refused with the fix', () => {
    const path = platform === 'win32' ? win32 : posix
    const hostile = platform === 'win32' ? 'C:\\a b\\_temp' : '/home/runner/a b/_temp'
    const shared =
      platform === 'win32'
        ? ['C:\\Windows\\Temp', 'C:\\ProgramData', 'c:\\temp\\']
        : ['/tmp', '/var/tmp', '/tmp/', '/dev/shm']
    for (const osTemp of shared) {
      const env = { RUNNER_TEMP: hostile }
      expect(launcherBaseCandidates(env, platform, osTemp)).toEqual([path.resolve(hostile)])
      expect(() => launcherBase(env, platform, osTemp)).toThrow(
        /refresh-credentials with OIDC needs a private temporary folder \(never a shared one/
      )
      expect(() => launcherBase(env, platform, osTemp)).toThrow(
        platform === 'win32'
          ? /set TEMP and TMP to a folder of this user/
          : /set XDG_RUNTIME_DIR or TMPDIR/
      )
    }
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
    expect(() => launcherBase({ RUNNER_TEMP: 'C:\\a b' }, 'win32', 'C:\\c d')).toThrow(
      'none of C:\\a b, C:\\c d qualifies. Run the runner from a folder with such a path'
    )
    expect(() => launcherBase({}, 'posix', '/tmp')).toThrow('RUNNER_TEMP is not set.')
    // XDG_RUNTIME_DIR (private, 0700, removed at logout) serves on POSIX.
    expect(
      launcherBase({ RUNNER_TEMP: '/a b', XDG_RUNTIME_DIR: '/run/user/1001' }, 'posix', '/tmp')
    ).toBe('/run/user/1001')
  })

  test('a launcher path that is not safe is never written into a line', () => {
    expect(() => credentialProcessLine('/tmp/a b/credential-process', 'posix')).toThrow(
      'unsafe launcher path'
    )
  })

  test("Windows: icacls replaces the folder's inherited access with the process user's SID alone", () => {
    const sid = 'S-1-5-21-3623811015-3361044348-30300820-1013'
    expect(icaclsArguments('D:\\a\\_temp\\x', sid)).toEqual([
      'D:\\a\\_temp\\x',
      '/inheritance:r',
      '/grant:r',
      `*${sid}:(OI)(CI)F`,
      '/q'
    ])
    // A name (from USERDOMAIN/USERNAME, which any step can set) is never granted.
    expect(() => icaclsArguments('D:\\x', 'RUNNER\\runneradmin')).toThrow(
      'not a security identifier'
    )
    expect(() => icaclsArguments('D:\\x', 'S-1-5-21-1 /grant Everyone:F')).toThrow()
  })

  test('the SID comes from whoami /user /fo csv /nh (the process token), as Windows prints it', () => {
    const sid = 'S-1-5-21-3623811015-3361044348-30300820-1013'
    // As whoami.exe writes it: CRLF, quoted CSV; names may be localised or hold commas and quotes.
    expect(sidFromWhoami(`"fv-az123-456\\runneradmin","${sid}"\r\n`)).toBe(sid)
    const quoted = '"CORP\\Müller, Jürgen ' + '""JJ""' + `","${sid}"\r\n`
    expect(sidFromWhoami(quoted)).toBe(sid)
    expect(sidFromWhoami(`"nt authority\\system","S-1-5-18"\r\n`)).toBe('S-1-5-18')
    // Anything else: no SID, so no grant (the folder is not written).
    expect(sidFromWhoami('')).toBeUndefined()
    expect(sidFromWhoami('ERROR: Access is denied.\r\n')).toBeUndefined()
    expect(sidFromWhoami(`"a\\b","${sid}"\r\n"c\\d","S-1-5-18"\r\n`)).toBeUndefined()
    expect(sidFromWhoami(`"a\\b","S-1-5-21-x"\r\n`)).toBeUndefined()
    // The table format (without /fo csv) is not what is asked for.
    expect(
      sidFromWhoami(`\r\nUSER INFORMATION\r\n----------------\r\n\r\nUser Name  SID\r\n`)
    ).toBeUndefined()
  })

  test('the C runtime rule: backslashes before a quote', () => {
    expect(windowsSplit('"a\\\\" b\\c "d\\"e"')).toEqual(['a\\', 'b\\c', 'd"e'])
  })
})
