/**
 * Test oracles: how each consumer of the shared config file turns a `credential_process` value
 * into a program and its arguments, one function per documented rule, each taken from the
 * consumer's source (named beside it). They model only what our lines and launchers can meet and
 * throw on anything else they would treat specially (an expansion, an operator), so a test using
 * them fails instead of guessing.
 */

/** A value the consumer would expand, redirect or reinterpret. */
export class SpecialCharacter extends Error {}

// ---------------------------------------------------------------------------------------------
// INI readers: the value of `credential_process = …` as each consumer reads the line.

/**
 * botocore `configloader.raw_config_parse` uses `configparser.RawConfigParser()` with its defaults:
 * no inline comments, the value stripped of surrounding whitespace.
 */
export function botocoreIniValue(value: string): string {
  return value.trim()
}

/**
 * JS SDK v3: `@smithy/shared-ini-file-loader` `parseIni` (bundled in
 * `@smithy/core/dist-cjs/submodules/config/index.js` here): the line is cut at `;` or `#` at the
 * start or after whitespace, then the value after the first `=` is trimmed.
 */
export function jsIniValue(value: string): string {
  return (value.split(/(^|\s)[;#]/)[0] ?? '').trim()
}

/**
 * Go SDK v2 today: `internal/ini/strings.go` — `trimComment` cuts at the first `#`, then the first
 * `;` (anywhere); `splitProperty` trims spaces; `legacyStrconv` strips one pair of single or double
 * quotes around the whole value (when longer than 2), then turns `\"`, `\'` and `\n` into `"`, `'`
 * and a newline.
 */
export function goIniValue(value: string): string {
  let v = (value.split('#')[0] ?? '').split(';')[0]?.trim() ?? ''
  const quoted = v.length > 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]
  if (quoted) v = v.slice(1, -1)
  return v.replace(/\\"/g, '"').replace(/\\'/g, "'").replace(/\\n/g, '\n')
}

/**
 * Debian's Go SDK v2 1.17.1 (`golang-github-aws-aws-sdk-go-v2-dev`): `internal/ini/literal_tokens.go`
 * `newLitToken` reads a value that starts with `"` as one quoted string up to the first `"` not
 * preceded by a backslash (`value_util.go` `getStringValue`) and drops the rest; `StringValue`
 * then runs `removeEscapedCharacters` on what is between the quotes, where a backslash before
 * `'`, `"`, `n`, `t` or `\\` is an escape (`isEscaped`, `getEscapedByte`) and any other backslash
 * is literal. Any other value is kept whole, trimmed. The e2e suite checks this model against the
 * real reader (__tests__/e2e/consumer-rules.test.ts).
 */
export function go117IniValue(value: string): string {
  const v = value.trim()
  if (!v.startsWith('"')) {
    if (/[;#]/.test(v)) throw new SpecialCharacter(`comment character in ${v}`)
    return v
  }
  const runes = [...v]
  const escapes: Record<string, string> = { "'": "'", '"': '"', n: '\n', t: '\t', '\\': '\\' }
  const isEscaped = (before: string[], c: string): boolean =>
    before.length > 0 && c in escapes && before[before.length - 1] === '\\'
  let end = 1
  while (end < runes.length && !(runes[end] === '"' && !isEscaped(runes.slice(0, end), '"'))) end++
  if (end >= runes.length) throw new Error("missing '\"' in string value")
  // removeEscapedCharacters, step for step: the escaped character replaces its backslash.
  const b = runes.slice(1, end)
  for (let i = 0; i < b.length; i++) {
    const c = b[i] ?? ''
    if (isEscaped(b.slice(0, i), c)) {
      b[i - 1] = escapes[c] ?? c
      b.splice(i, 1)
      i--
    }
  }
  return b.join('')
}

// ---------------------------------------------------------------------------------------------
// Splitters and shells: from the value to the program's argv.

/**
 * Python `shlex.split(s)` (posix=True, no comments), which botocore's `compat_shell_split` calls
 * on every platform but win32 (`botocore/compat.py`): whitespace separates words; `'…'` is
 * literal; in `"…"` a backslash escapes only `"` or `\`; elsewhere a backslash escapes any
 * character.
 */
export function shlexSplit(s: string): string[] {
  const words: string[] = []
  let word: string | null = null
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? ''
    if (/\s/.test(c)) {
      if (word !== null) words.push(word)
      word = null
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1)
      if (end === -1) throw new Error('No closing quotation')
      word = (word ?? '') + s.slice(i + 1, end)
      i = end
    } else if (c === '"') {
      word = word ?? ''
      for (i++; ; i++) {
        if (i >= s.length) throw new Error('No closing quotation')
        const d = s[i]
        if (d === '"') break
        if (d === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) word += s[++i]
        else word += d
      }
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new Error('No escaped character')
      word = (word ?? '') + s[++i]
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== null) words.push(word)
  return words
}

/**
 * botocore `compat.py` `_windows_shell_split` (its `compat_shell_split` on win32), the Microsoft C
 * runtime's rule: space and tab separate; `"` toggles quoting; backslashes are literal unless they
 * lead up to a `"`, where each pair is one backslash and an odd one escapes the quote. Node's own
 * argv on Windows comes from the same rule (the MSVC runtime's command-line parsing).
 */
export function windowsSplit(s: string): string[] {
  const words: string[] = []
  let buffer: string[] = []
  let quoted = false
  let backslashes = 0
  let touched = false
  const flushBackslashes = (): void => {
    if (backslashes > 0) buffer.push('\\'.repeat(backslashes))
    backslashes = 0
  }
  for (const c of s) {
    if (c === '\\') {
      backslashes++
    } else if (c === '"') {
      if (backslashes > 0) {
        buffer.push('\\'.repeat(Math.floor(backslashes / 2)))
        const odd = backslashes % 2 === 1
        backslashes = 0
        if (odd) {
          buffer.push('"')
          continue
        }
      }
      quoted = !quoted
      touched = true
    } else if ((c === ' ' || c === '\t') && !quoted) {
      flushBackslashes()
      if (buffer.length > 0 || touched) words.push(buffer.join(''))
      buffer = []
      touched = false
    } else {
      flushBackslashes()
      buffer.push(c)
    }
  }
  if (quoted) throw new Error(`No closing quotation in string: ${s}`)
  flushBackslashes()
  if (buffer.length > 0 || touched) words.push(buffer.join(''))
  return words
}

/**
 * `sh -c <value>` (POSIX Shell Command Language, XCU 2.2–2.6), as the JS SDK (`child_process.exec`
 * runs `/bin/sh -c`, Node `lib/child_process.js` `normalizeExecArgs`), the Go SDK v2
 * (`credentials/processcreds/provider.go`: `sh -c`), Java v2 (`ProcessCredentialsProvider.java`:
 * `sh -c`) and .NET (`ProcessAWSCredentials.cs`: `sh -c`) run it. Quotes as in the shell; an
 * unquoted `$`, backtick, glob, `~` at a word's start, operator, or `#` at a word's start, or a
 * `$`/backtick inside double quotes, would be expanded or reinterpreted: SpecialCharacter.
 */
export function shCommand(value: string): string[] {
  const words: string[] = []
  let word: string | null = null
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? ''
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word)
      word = null
    } else if (c === "'") {
      const end = value.indexOf("'", i + 1)
      if (end === -1) throw new Error('unterminated quote')
      word = (word ?? '') + value.slice(i + 1, end)
      i = end
    } else if (c === '"') {
      word = word ?? ''
      for (i++; ; i++) {
        if (i >= value.length) throw new Error('unterminated quote')
        const d = value[i] ?? ''
        if (d === '"') break
        if (d === '$' || d === '`') throw new SpecialCharacter(`${d} expands inside "…"`)
        if (d === '\\' && '"\\$`\n'.includes(value[i + 1] ?? '')) word += value[++i]
        else word += d
      }
    } else if (c === '\\') {
      word = (word ?? '') + (value[++i] ?? '')
    } else if ('$`*?[;&|<>()\n'.includes(c) || ((c === '~' || c === '#') && word === null)) {
      throw new SpecialCharacter(`unquoted ${c} in ${value}`)
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== null) words.push(word)
  return words
}

/**
 * `cmd.exe` with `/C` (`/S` optional) and the rest of its command line, as `cmd /?` documents it:
 * unless `/S` is given and when there are exactly two quotes, no special character between them,
 * and whitespace between them, the quotes stay; otherwise the first and the last quote are
 * removed. Then `%…%` expands everywhere and `& | < > ^ ( )` outside quotes are operators
 * (SpecialCharacter). The first word (quoted or not) is the program; the rest of the line reaches
 * it as its command line, which the program splits with the C runtime rule (`windowsSplit`).
 */
export function cmdCommand(rest: string, slashS: boolean): string[] {
  let line = rest
  const quotes = [...line].filter(c => c === '"').length
  const keep =
    !slashS &&
    quotes === 2 &&
    line.startsWith('"') &&
    !/[&<>()@^|]/.test(line.slice(1, line.lastIndexOf('"'))) &&
    /\s/.test(line.slice(1, line.lastIndexOf('"')))
  if (!keep && line.startsWith('"')) {
    const last = line.lastIndexOf('"')
    line = line.slice(1, last) + line.slice(last + 1)
  }
  if (line.includes('%')) throw new SpecialCharacter(`% expands in ${line}`)
  let inQuotes = false
  for (const c of line) {
    if (c === '"') inQuotes = !inQuotes
    else if (!inQuotes && '&|<>^()'.includes(c)) throw new SpecialCharacter(`${c} in ${line}`)
  }
  return windowsSplit(line)
}

/**
 * Go `syscall.EscapeArg` (`src/syscall/exec_windows.go`), how `exec.Command` builds the Windows
 * command line: an argument without space, tab or `"` goes as it is; otherwise it is wrapped in
 * quotes, `"` becomes `\"` and backslashes before a quote (or the end) are doubled.
 */
export function goEscapeArg(arg: string): string {
  if (arg === '') return '""'
  if (!/[ \t"]/.test(arg)) return arg
  let out = '"'
  let backslashes = 0
  for (const c of arg) {
    if (c === '\\') {
      backslashes++
      continue
    }
    if (c === '"') out += '\\'.repeat(backslashes * 2 + 1) + '"'
    else out += '\\'.repeat(backslashes) + c
    backslashes = 0
  }
  return `${out}${'\\'.repeat(backslashes * 2)}"`
}

/**
 * Java `ProcessBuilder` on Windows (`java.lang.ProcessImpl`, default verification): an argument
 * holding a space or tab that is not already quoted at both ends is wrapped in quotes, nothing
 * escaped.
 */
export function javaWindowsArg(arg: string): string {
  if (!/[ \t]/.test(arg)) return arg
  if (arg.length > 1 && arg.startsWith('"') && arg.endsWith('"')) return arg
  return `"${arg}"`
}

// ---------------------------------------------------------------------------------------------
// Consumers: INI reader, then how the value is run. Each returns the argv the OS starts.

export interface Consumer {
  name: string
  run: (value: string) => string[]
}

/** Consumers on Linux and macOS. */
export const POSIX_CONSUMERS: Consumer[] = [
  // botocore/credentials.py ProcessProvider: Popen(compat_shell_split(credential_process)).
  { name: 'AWS CLI v2 / boto3 (botocore, shlex)', run: v => shlexSplit(botocoreIniValue(v)) },
  // @aws-sdk/credential-provider-process resolveProcessCredentials: exec(credentialProcess).
  { name: 'JS SDK v3 (exec, /bin/sh -c)', run: v => shCommand(jsIniValue(v)) },
  // aws-sdk-go-v2 credentials/processcreds/provider.go: exec.Command("sh", "-c", command).
  { name: 'Go SDK v2 (internal/ini, sh -c)', run: v => shCommand(goIniValue(v)) },
  { name: 'Go SDK v2 1.17 (Debian, sh -c)', run: v => shCommand(go117IniValue(v)) },
  // ProcessCredentialsProvider.java: ["sh", "-c", command] off Windows.
  { name: 'Java SDK v2 (sh -c)', run: v => shCommand(botocoreIniValue(v)) },
  // ProcessAWSCredentials.cs: sh -c "<value with \ and " escaped>", split back by .NET's
  // Windows-style argument parser on Unix, so sh receives the value itself.
  {
    name: '.NET (sh -c)',
    run: v => {
      const escaped = v.trim().replace(/\\/g, '\\\\').replace(/"/g, '\\"')
      const [, script = ''] = windowsSplit(`-c "${escaped}"`)
      return shCommand(script)
    }
  }
]

/** Consumers on Windows: each ends in CreateProcess with the program found by the rule. */
export const WINDOWS_CONSUMERS: Consumer[] = [
  {
    name: 'AWS CLI v2 / boto3 (botocore, win32 split)',
    run: v => windowsSplit(botocoreIniValue(v))
  },
  // Node lib/child_process.js: exec on Windows runs `cmd.exe /d /s /c "<command>"` verbatim.
  { name: 'JS SDK v3 (exec, cmd /d /s /c)', run: v => cmdCommand(`"${jsIniValue(v)}"`, true) },
  // processcreds: exec.Command("cmd.exe", "/C", command): EscapeArg, then cmd without /S.
  { name: 'Go SDK v2 (cmd.exe /C)', run: v => cmdCommand(goEscapeArg(goIniValue(v)), false) },
  {
    name: 'Go SDK v2 1.17 (cmd.exe /C)',
    run: v => cmdCommand(goEscapeArg(go117IniValue(v)), false)
  },
  // ProcessCredentialsProvider.java: ["cmd.exe", "/C", command].
  {
    name: 'Java SDK v2 (cmd.exe /C)',
    run: v => cmdCommand(javaWindowsArg(botocoreIniValue(v)), false)
  },
  // ProcessAWSCredentials.cs: FileName cmd.exe, Arguments `/c <value>` verbatim.
  { name: '.NET (cmd.exe /c)', run: v => cmdCommand(v.trim(), false) }
]

// ---------------------------------------------------------------------------------------------
// The launchers' interpreters.

/** `/bin/sh <script>`: our launcher is comments and one `exec` line; its words are the argv. */
export function shScriptArgv(script: string): string[] {
  const lines = script.split('\n').filter(line => line !== '' && !line.startsWith('#'))
  if (lines.length !== 1) throw new Error(`expected one command line, got ${lines.length}`)
  const [exec, ...argv] = shCommand(lines[0] ?? '')
  if (exec !== 'exec') throw new Error('expected exec')
  return argv
}

/**
 * cmd.exe running a batch file (`cmd /?`, `call /?`): `%%` is a literal `%`, `%~dp0` the batch
 * file's drive and folder with a trailing backslash; any other `%` expands; `@echo off`, `rem` and
 * `chcp` lines run no program. The command line then reaches the program, split by the C runtime.
 */
export function batchArgv(script: string, batchFile: string): string[] {
  const folder = batchFile.slice(0, batchFile.lastIndexOf('\\') + 1)
  const commands = script
    .split('\r\n')
    .filter(line => line !== '' && !/^(@echo off|rem |chcp 65001 >nul$)/i.test(line))
  if (commands.length !== 1) throw new Error(`expected one command line, got ${commands.length}`)
  const expanded = (commands[0] ?? '').replace(/%(%|~dp0|[^%]*%)/g, (_, token: string) => {
    if (token === '%') return '%'
    if (token === '~dp0') return folder
    throw new SpecialCharacter(`%${token} expands`)
  })
  let inQuotes = false
  for (const c of expanded) {
    if (c === '"') inQuotes = !inQuotes
    else if (!inQuotes && '&|<>^()'.includes(c)) throw new SpecialCharacter(`${c} in ${expanded}`)
  }
  return windowsSplit(expanded)
}
