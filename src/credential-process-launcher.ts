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
import { tmpdir, userInfo } from 'node:os'
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

/** Where the launcher's folder may go, best first: RUNNER_TEMP, the OS temporary folder, then a fixed one. */
export function launcherBaseCandidates(
  env: NodeJS.ProcessEnv,
  platform: Platform,
  osTemp: string = tmpdir()
): string[] {
  const fixed = platform === 'win32' ? [env.ProgramData ?? 'C:\\ProgramData'] : ['/tmp']
  const candidates = [env.RUNNER_TEMP, osTemp, ...fixed].filter((path): path is string => !!path)
  const path = platform === 'win32' ? win32 : posix
  return candidates.map(candidate => path.resolve(candidate))
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
  throw new Error(
    `refresh-credentials with OIDC needs a temporary folder whose path has only letters, digits and _ . - ${platform === 'win32' ? '~ \\ :' : '/'} (the AWS CLI and SDKs run the credential_process line each in their own way); none of ${candidates.join(', ')} qualifies. Set TMPDIR${platform === 'win32' ? ' or TEMP' : ''} to such a folder.`
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

/** icacls arguments giving only `user` access to `folder` and what is created in it. */
export function icaclsArguments(folder: string, user: string): string[] {
  return [folder, '/inheritance:r', '/grant:r', `${user}:(OI)(CI)F`, '/q']
}

async function restrictToCurrentUser(folder: string, env: NodeJS.ProcessEnv): Promise<void> {
  const name = env.USERNAME || userInfo().username
  const user = env.USERDOMAIN ? `${env.USERDOMAIN}\\${name}` : name
  const system = env.SystemRoot ? win32.join(env.SystemRoot, 'System32', 'icacls.exe') : 'icacls'
  try {
    await promisify(execFile)(system, icaclsArguments(folder, user), { windowsHide: true })
  } catch (error) {
    throw new Error(
      `could not restrict ${folder} to ${user} with icacls: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error }
    )
  }
}
