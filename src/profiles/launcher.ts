/**
 * The `credential_process` line every consumer runs the same way, and the launcher it names.
 *
 * Each consumer reads the line differently (see __tests__/unit/consumer-rules.ts for each rule and
 * its source): botocore splits it like a shell without one, the JS SDK hands it to `/bin/sh -c` or
 * `cmd /d /s /c`, the Go SDK v2 strips one pair of outer quotes and then uses `sh -c` or
 * `cmd.exe /C` (which cannot take quotes inside), its Debian 1.17 build keeps only the first quoted
 * word, Java and .NET use `cmd.exe /C` or `sh -c`. No quoting survives all of them, so the line
 * holds no quotes, and its words no character any of them treats specially: a launcher file in a
 * folder whose path has only such characters. The launcher, read by one known interpreter, carries
 * the real paths (node, the bundle, its config), which may hold anything.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { posix, win32 } from 'node:path'
import { promisify } from 'node:util'

export type Platform = 'posix' | 'win32'

export function currentPlatform(): Platform {
  return process.platform === 'win32' ? 'win32' : 'posix'
}

/**
 * Paths no consumer reads specially: no whitespace, quotes, `$`, backticks, `%`, `&`, `;`, `#`,
 * `!`, `^`, `=`, brackets or non-ASCII. A POSIX backslash is an escape for shlex, so only Windows
 * paths may have one; `~` is literal everywhere on Windows (8.3 names such as `RUNNER~1`), but sh
 * expands it at the start of a word.
 */
const SAFE: Record<Platform, RegExp> = {
  posix: /^\/[A-Za-z0-9_./-]*$/,
  win32: /^[A-Za-z]:\\[A-Za-z0-9_.~\\-]*$/
}

export function isSafePath(path: string, platform: Platform): boolean {
  return SAFE[platform].test(path)
}

/**
 * Temporary folders every user (or every job of every user) shares: a launcher folder there would
 * outlive a killed job, as the runner never cleans them, and sit beside other users' files.
 */
const SHARED: Record<Platform, RegExp> = {
  posix: /^\/(tmp|var\/tmp|usr\/tmp|dev\/shm)\/?$/,
  win32: /^[A-Za-z]:\\(Windows\\Temp|Temp|ProgramData)\\?$/i
}

/**
 * Where the launcher's folder may go, best first: RUNNER_TEMP (the job's own, emptied by the
 * runner after every job), then a private folder of this user (POSIX: XDG_RUNTIME_DIR, 0700 and
 * removed at logout; then the OS temporary folder, TMPDIR or %TEMP%, which on Windows is the
 * user's own), never a shared one such as /tmp.
 */
export function launcherBaseCandidates(
  env: NodeJS.ProcessEnv,
  platform: Platform,
  osTemp: string = tmpdir()
): string[] {
  const path = platform === 'win32' ? win32 : posix
  const given =
    platform === 'win32'
      ? [env.RUNNER_TEMP, osTemp]
      : [env.RUNNER_TEMP, env.XDG_RUNTIME_DIR, osTemp]
  const resolved = given
    .filter((candidate): candidate is string => !!candidate)
    .map(candidate => path.resolve(candidate))
  return [...new Set(resolved)].filter(candidate => !SHARED[platform].test(candidate))
}

/** The first candidate every consumer can name, or an error saying how to get one. */
export function launcherBase(
  env: NodeJS.ProcessEnv,
  platform: Platform = currentPlatform(),
  osTemp: string = tmpdir()
): string {
  const candidates = launcherBaseCandidates(env, platform, osTemp)
  const safe = candidates.find(candidate => isSafePath(candidate, platform))
  if (safe) return safe
  const tried =
    candidates.length > 0 ? `none of ${candidates.join(', ')} qualifies` : 'RUNNER_TEMP is not set'
  const fix =
    platform === 'win32'
      ? 'Run the runner from a folder with such a path (RUNNER_TEMP is under its work folder), or set TEMP and TMP to a folder of this user with such a path'
      : 'Run the runner from a folder with such a path (RUNNER_TEMP is under its work folder), or set XDG_RUNTIME_DIR or TMPDIR to a private folder of this user with such a path'
  throw new Error(
    `refresh-credentials with OIDC needs a private temporary folder (never a shared one such as ${platform === 'win32' ? 'C:\\Windows\\Temp' : '/tmp'}) whose path has only letters, digits and _ . - ${platform === 'win32' ? '~ \\ :' : '/'} (the AWS CLI and SDKs run the credential_process line each in their own way); ${tried}. ${fix}.`
  )
}

/** The launcher's file name in its folder. */
export function launcherName(platform: Platform): string {
  return platform === 'win32' ? 'credential-process.cmd' : 'credential-process'
}

/** The config file's name in the launcher's folder. */
export const CONFIG_NAME = 'config.json'

/**
 * The credential_process value for a launcher at `launcher` (a safe path): on Windows the `.cmd`
 * itself; on POSIX `/bin/sh <launcher>`, so a folder mounted noexec still works.
 */
export function credentialProcessLine(launcher: string, platform: Platform): string {
  if (!isSafePath(launcher, platform)) throw new Error(`unsafe launcher path ${launcher}`)
  return platform === 'win32' ? launcher : `/bin/sh ${launcher}`
}

/** POSIX sh single quotes: everything literal; a quote itself is closed, escaped and reopened. */
function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * The launcher's text. POSIX: a sh script that execs node on the bundle with the config next to
 * it. Windows: a batch file, where `%` must be doubled even inside quotes and a path cannot hold
 * `"`; `%~dp0` is the batch file's own folder (with its trailing backslash). cmd.exe reads a batch
 * file in the console's code page, so paths with non-ASCII characters switch it to UTF-8 first.
 */
export function launcherScript(
  platform: Platform,
  node: string,
  bundle: string,
  configFile: string
): string {
  if (platform === 'posix') {
    const words = [node, bundle, 'credential-process', configFile].map(shQuote)
    return `#!/bin/sh\n# credential_process launcher of assume-aws-role; its post step deletes it.\nexec ${words.join(' ')}\n`
  }
  for (const path of [node, bundle]) {
    if (path.includes('"')) throw new Error(`a Windows path cannot contain '"': ${path}`)
  }
  const batch = (path: string): string => `"${path.replace(/%/g, '%%')}"`
  const utf8 = /[^\x20-\x7e]/.test(node + bundle) ? 'chcp 65001 >nul\r\n' : ''
  return (
    `@echo off\r\nrem credential_process launcher of assume-aws-role; its post step deletes it.\r\n${utf8}` +
    `${batch(node)} ${batch(bundle)} credential-process "%~dp0${CONFIG_NAME}"\r\n`
  )
}

export interface Launcher {
  folder: string
  launcher: string
  configFile: string
  /** The credential_process value. */
  line: string
}

/**
 * Writes a private folder with the config (the ID-token request secret) and the launcher; returns
 * the line for the profile. POSIX: folder 0700, files 0600. Windows ignores mode bits, so the
 * folder's inherited access is replaced by full control for the job's user alone (icacls).
 */
export async function writeLauncher(
  env: NodeJS.ProcessEnv,
  node: string,
  bundle: string,
  config: string
): Promise<Launcher> {
  const platform = currentPlatform()
  const path = platform === 'win32' ? win32 : posix
  const base = launcherBase(env, platform)
  await mkdir(base, { recursive: true })
  const folder = await mkdtemp(path.join(base, 'assume-aws-role-'))
  if (platform === 'win32') await restrictToCurrentUser(folder, env)
  const configFile = path.join(folder, CONFIG_NAME)
  const launcher = path.join(folder, launcherName(platform))
  await writeFile(configFile, config, { mode: 0o600, flag: 'wx' })
  await writeFile(launcher, launcherScript(platform, node, bundle, configFile), {
    mode: 0o600,
    flag: 'wx'
  })
  return { folder, launcher, configFile, line: credentialProcessLine(launcher, platform) }
}

/**
 * icacls arguments giving only the account `sid` access to `folder` and what is created in it.
 * `*S-1-…` names the account by its SID, so no name lookup (and no name from the environment,
 * which any earlier step can set through GITHUB_ENV) decides who gets access.
 */
export function icaclsArguments(folder: string, sid: string): string[] {
  if (!SID.test(sid)) throw new Error(`not a security identifier: ${JSON.stringify(sid)}`)
  return [folder, '/inheritance:r', '/grant:r', `*${sid}:(OI)(CI)F`, '/q']
}

/** A SID as Windows writes it: S-1-<authority>-<sub-authorities>. */
const SID = /^S-1-\d{1,14}(-\d{1,10}){1,15}$/

/**
 * The user SID from `whoami /user /fo csv /nh`, which reads it from this process's own access
 * token: one CSV line `"DOMAIN\name","S-1-5-21-…"` (names may be localised or hold commas and
 * quotes, so the SID is taken as the last field). Undefined unless exactly one line has a SID.
 */
export function sidFromWhoami(output: string): string | undefined {
  const lines = output
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '')
  if (lines.length !== 1) return undefined
  const last = /,"(S-1-[0-9-]+)"$/.exec(lines[0] ?? '')?.[1]
  return last && SID.test(last) ? last : undefined
}

async function restrictToCurrentUser(folder: string, env: NodeJS.ProcessEnv): Promise<void> {
  const system32 = win32.join(env.SystemRoot || 'C:\\Windows', 'System32')
  const run = promisify(execFile)
  try {
    const { stdout } = await run(
      win32.join(system32, 'whoami.exe'),
      ['/user', '/fo', 'csv', '/nh'],
      {
        windowsHide: true
      }
    )
    const sid = sidFromWhoami(stdout)
    if (!sid) throw new Error('whoami /user gave no SID')
    await run(win32.join(system32, 'icacls.exe'), icaclsArguments(folder, sid), {
      windowsHide: true
    })
  } catch (error) {
    throw new Error(
      `could not restrict ${folder} to this process's user with icacls: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error }
    )
  }
}
