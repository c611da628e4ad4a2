/**
 * The unit tests' models of the consumers' parsing rules (test-support/consumer-rules.ts),
 * checked against the consumers themselves where they are installed: Python's `shlex.split` and
 * botocore's `compat_shell_split(s, "win32")` (Debian's python3-botocore), and the INI reader of
 * Debian's Go SDK v2 1.17 (through the suite's Go program). A model that drifts from its consumer
 * fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PYTHON, prepareConsumers, type Consumers } from '../../test-support/consumers.js'
import { spawnCollect } from '../../test-support/runner.js'
import { loadSharedConfigFiles } from '@smithy/core/config'
import {
  SpecialCharacter,
  go117IniValue,
  jsIniValue,
  shCommand,
  shlexSplit,
  windowsSplit
} from '../../test-support/consumer-rules.js'

/** The values a model accepts (it throws SpecialCharacter on what the consumer would expand). */
function accepted(values: string[], model: (value: string) => unknown): string[] {
  return values.filter(value => {
    try {
      model(value)
      return true
    } catch (error) {
      if (error instanceof SpecialCharacter) return false
      throw error
    }
  })
}

const POSIX_LINES = [
  '/bin/sh /home/runner/work/_temp/assume-aws-role-Xy9AbQ/credential-process',
  '"/opt/actions dir/node" "/opt/actions dir/dist/index.js" "credential-process" "/tmp/c.json"',
  `'/opt/it'\\''s/node' '/a $HOME/\`id\`/index.js' credential-process`,
  '"/a \\"quoted\\" b/node" x\\ y "c\\\\d" \'e"f\'',
  '/Users/jürgen/アクション/node  --flag=1   tail',
  'a\\b "c\\$d" \'\\\\\''
]
const WINDOWS_LINES = [
  'D:\\a\\_temp\\assume-aws-role-Xy9AbQ\\credential-process.cmd',
  '"C:\\actions runner\\node.exe" "C:\\actions runner\\dist\\index.js" credential-process "D:\\a b\\c.json"',
  '"C:\\a\\\\" b\\c "d\\"e" f\\\\\\"g',
  '"C:\\100% & more (x86)\\node.exe" "C:\\Users\\jürgen\\x.js"',
  'plain  words\t"" "with ""doubled"" quotes"'
]

let consumers: Consumers
let work: string
beforeAll(async () => {
  consumers = await prepareConsumers('http://127.0.0.1:9')
  work = mkdtempSync(join(tmpdir(), 'consumer-rules-'))
}, 300_000)
afterAll(() => {
  consumers?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('botocore', () => {
  test("shlex.split and compat_shell_split(…, 'win32') agree with the models", async () => {
    const script = [
      'import json, shlex, sys',
      'from botocore.compat import compat_shell_split',
      'd = json.load(open(sys.argv[1], encoding="utf-8"))',
      'print(json.dumps([[shlex.split(x) for x in d["posix"]], [compat_shell_split(x, "win32") for x in d["win32"]]]))'
    ].join('\n')
    const input = join(work, 'lines.json')
    writeFileSync(input, JSON.stringify({ posix: POSIX_LINES, win32: WINDOWS_LINES }))
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONIOENCODING: 'utf-8' }
    const result = await spawnCollect(PYTHON, ['-c', script, input], env, 30_000)
    expect(result.stderr).toBe('')
    const [posix, win32] = JSON.parse(result.stdout) as [string[][], string[][]]
    expect(posix).toEqual(POSIX_LINES.map(shlexSplit))
    expect(win32).toEqual(WINDOWS_LINES.map(windowsSplit))
  })
})

describe("Debian's Go SDK v2 1.17", () => {
  test('its INI reader finds the credential_process value the model says', async () => {
    const candidates = [
      ...POSIX_LINES,
      ...WINDOWS_LINES,
      "'/opt/single quoted/node' x",
      '/a/node /b/c x=1 y:2 [z]'
    ]
    const values = accepted(candidates, go117IniValue)
    expect(values.length).toBeGreaterThan(8)
    const file = join(work, 'config')
    writeFileSync(
      file,
      values.map((value, i) => `[profile p${i}]\ncredential_process = ${value}\n`).join('\n')
    )
    for (const [i, value] of values.entries()) {
      expect(await consumers.goCredentialProcess(file, `p${i}`)).toBe(go117IniValue(value))
    }
  })
})

describe('/bin/sh -c (the JS SDK, the Go SDK, Java and .NET off Windows)', () => {
  test('splits the values the model accepts into the same words', async () => {
    const lines = accepted(POSIX_LINES, shCommand)
    expect(lines.length).toBeGreaterThan(2)
    for (const line of lines) {
      // printf prints each word the shell passes it, NUL-terminated.
      const result = await spawnCollect(
        '/bin/sh',
        ['-c', `printf '%s\\0' ${line}`],
        { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
        10_000
      )
      expect(result.code).toBe(0)
      expect(result.stdout.split('\0').slice(0, -1)).toEqual(shCommand(line))
    }
  })
})

describe('the JS SDK v3 INI reader (@smithy/shared-ini-file-loader)', () => {
  test('reads the credential_process value the model says', async () => {
    const values = [...POSIX_LINES, ...WINDOWS_LINES, 'a #not-a-comment', 'b ;cut here', 'c#kept']
    const file = join(work, 'js-config')
    writeFileSync(
      file,
      values.map((value, i) => `[profile p${i}]\ncredential_process = ${value}\n`).join('\n')
    )
    const { configFile } = await loadSharedConfigFiles({
      filepath: join(work, 'none'),
      configFilepath: file,
      ignoreCache: true
    })
    for (const [i, value] of values.entries()) {
      expect(configFile[`p${i}`]?.credential_process).toBe(jsIniValue(value))
    }
  })
})
