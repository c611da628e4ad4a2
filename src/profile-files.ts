/**
 * The shared credentials and config files: writing our profile sections and undoing that later.
 *
 * Other profiles and comments must survive byte for byte, which no INI serializer does (they all
 * re-emit the file), so we never re-serialize: we find our sections' line ranges by their headers
 * and splice only those. Reading which profiles exist is left to the SDK's loader (profiles.ts).
 */
import { randomUUID } from 'node:crypto'
import { constants } from 'node:fs'
import { chmod, lstat, mkdir, open, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { dirname, join, posix, win32 } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { currentPlatform, type Platform } from './credential-process-launcher.js'

export interface ProfilePaths {
  credentials: string
  config: string
}

/** A section to write: its header (without brackets) and its key = value lines. */
export interface Section {
  header: string
  entries: Array<[string, string]>
}

/** What one file looked like before we wrote it, and what we wrote, for the post step. */
export interface FileChange {
  path: string
  /** The previous content, or null when the file did not exist. */
  original: string | null
  written: string
  /** Our section headers, to remove them if someone else changed the file since. */
  headers: string[]
}

/**
 * The files as the AWS CLI and the Go SDK find them. Home: on Windows USERPROFILE first, then
 * HOMEDRIVE+HOMEPATH (Python's `ntpath.expanduser`, which botocore's `os.path.expanduser` calls;
 * the Go SDK v2's `internal/shareddefaults` UserHomeDir reads USERPROFILE on Windows); elsewhere
 * HOME. A leading `~` in AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE is that home, as botocore
 * expands it (`botocore/configloader.py`, `os.path.expanduser`).
 */
export function profilePaths(
  env: NodeJS.ProcessEnv,
  platform: Platform = currentPlatform(),
  fallbackHome: string = homedir()
): ProfilePaths {
  const path = platform === 'win32' ? win32 : posix
  const home = homeFolder(env, platform, fallbackHome)
  const resolveFile = (value: string | undefined, name: string): string =>
    value ? expandHome(value, home, platform) : path.join(home, '.aws', name)
  return {
    credentials: resolveFile(env.AWS_SHARED_CREDENTIALS_FILE, 'credentials'),
    config: resolveFile(env.AWS_CONFIG_FILE, 'config')
  }
}

export function homeFolder(env: NodeJS.ProcessEnv, platform: Platform, fallback: string): string {
  if (platform === 'win32') {
    if (env.USERPROFILE) return env.USERPROFILE
    if (env.HOMEPATH) return win32.join(env.HOMEDRIVE ?? '', env.HOMEPATH)
    return env.HOME || fallback
  }
  return env.HOME || fallback
}

/** `~` alone or followed by a separator (`/`, or on Windows also `\\`) is the home folder. */
export function expandHome(value: string, home: string, platform: Platform): string {
  const path = platform === 'win32' ? win32 : posix
  const separator = platform === 'win32' ? /^~[\\/]/ : /^~\//
  if (value === '~') return home
  if (separator.test(value)) return path.join(home, value.slice(2))
  return value
}

/** The config file names profiles `[profile x]`, except `[default]`; the credentials file `[x]`. */
export function configHeader(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`
}

/**
 * Writes sections into a file (POSIX: 0600, folder 0700), replacing same-named ones, keeping the
 * rest; a file with CRLF line ends (as `aws configure` writes on Windows) gets CRLF sections.
 */
export async function writeSections(path: string, sections: Section[]): Promise<FileChange> {
  await refuseSymlink(path)
  const original = await readIfExists(path)
  let text = original ?? ''
  const eol = lineEnd(text)
  for (const section of sections) {
    text = spliceSection(text, section.header, render(section, eol), eol)
  }
  await writePrivate(path, text)
  return { path, original, written: text, headers: sections.map(section => section.header) }
}

/**
 * Undoes a write: when the file is still exactly what we wrote, its previous content comes back
 * (or it is deleted if there was none); when another step changed it since, only our sections go,
 * and only those still exactly as we wrote them (others are `kept`, for the caller to report).
 */
export async function undoChange(
  change: FileChange,
  kept: (header: string) => void = () => undefined
): Promise<'restored' | 'removed-sections'> {
  await refuseSymlink(change.path)
  const current = await readIfExists(change.path)
  if (current === null) return 'restored'
  if (current === change.written) {
    if (change.original === null) await rm(change.path, { force: true })
    else await writePrivate(change.path, change.original)
    return 'restored'
  }
  let text = current
  for (const header of change.headers) {
    const ours = sectionOf(change.written, header)
    if (ours !== undefined && sectionOf(text, header) === ours) {
      text = spliceSection(text, header, '', lineEnd(current))
    } else if (sectionOf(text, header) !== undefined) kept(header)
  }
  await writePrivate(change.path, text)
  return 'removed-sections'
}

/** The file's own line end: CRLF when its first line ends so. */
export function lineEnd(text: string): '\n' | '\r\n' {
  const first = text.indexOf('\n')
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n'
}

function render(section: Section, eol: string): string {
  const lines = section.entries.map(([key, value]) => `${key} = ${value}`)
  return `[${section.header}]${eol}${lines.join(eol)}${eol}`
}

const HEADER = /^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/

/**
 * Replaces the section named `header` (its header line up to the next header) with `replacement`,
 * or appends the replacement when there is no such section. An empty replacement removes it.
 */
export function spliceSection(
  text: string,
  header: string,
  replacement: string,
  eol = '\n'
): string {
  const { lines, start, end } = sectionRange(text, header)
  if (start === -1) {
    if (!replacement) return text
    const separator =
      text === '' || text.endsWith(eol + eol) ? '' : text.endsWith('\n') ? eol : eol + eol
    return text + separator + replacement
  }
  return [...lines.slice(0, start), replacement, ...lines.slice(end)].join('')
}

/** The text of the section named `header` (header line to the next header), if there is one. */
function sectionOf(text: string, header: string): string | undefined {
  const { lines, start, end } = sectionRange(text, header)
  return start === -1 ? undefined : lines.slice(start, end).join('')
}

function sectionRange(
  text: string,
  header: string
): { lines: string[]; start: number; end: number } {
  const lines = text.split(/(?<=\n)/)
  const start = lines.findIndex(line => HEADER.exec(line.replace(/\r?\n$/, ''))?.[1] === header)
  let end = start + 1
  while (
    start !== -1 &&
    end < lines.length &&
    !HEADER.test((lines[end] ?? '').replace(/\r?\n$/, ''))
  )
    end++
  return { lines, start, end }
}

/** The file and its folder (`.aws` by default) must not be symbolic links. */
async function refuseSymlink(path: string): Promise<void> {
  for (const candidate of [dirname(path), path]) {
    try {
      if ((await lstat(candidate)).isSymbolicLink()) {
        throw new Error(
          `${candidate} is a symbolic link; refusing to write credentials through it.`
        )
      }
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error
    }
  }
}

/** Opened with O_NOFOLLOW where the platform has it: a link swapped in after the check fails. */
async function readIfExists(path: string): Promise<string | null> {
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT') return null
    if (code === 'ELOOP') {
      throw new Error(`${path} is a symbolic link; refusing to write credentials through it.`, {
        cause: error
      })
    }
    throw error
  }
  try {
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writePrivate(path: string, text: string): Promise<void> {
  const folder = dirname(path)
  await mkdir(folder, { recursive: true, mode: 0o700 })
  const temporary = join(folder, `.${randomUUID()}.tmp`)
  await writeFile(temporary, text, { mode: 0o600, flag: 'wx' })
  try {
    await renameRetrying(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
  // On Windows this only sets or clears read-only: the user profile's own access rules apply.
  await chmod(path, 0o600)
}

/** Codes Windows returns while another process (an editor, a virus scanner) holds the file. */
const BUSY = new Set(['EPERM', 'EBUSY'])
const RENAME_DELAYS_MS = [20, 40, 80, 160, 320]

/** rename, retried briefly (about 0.6 s in all) on EPERM/EBUSY. */
export async function renameRetrying(
  from: string,
  to: string,
  move: (from: string, to: string) => Promise<void> = rename
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await move(from, to)
      return
    } catch (error) {
      const delay = RENAME_DELAYS_MS[attempt]
      if (delay === undefined || !BUSY.has((error as { code?: string }).code ?? '')) throw error
      await sleep(delay)
    }
  }
}

/** What the post step undoes: file changes (newest last), private files and folders to delete. */
export interface ProfileBackup {
  changes: FileChange[]
  files: string[]
  /** Private folders (the credential_process launchers'), removed once their files are gone. */
  folders?: string[]
}

/** Post step: undo the file changes newest first, then delete the private files. */
export async function undoProfiles(
  backup: ProfileBackup,
  kept: (path: string, header: string) => void = () => undefined
): Promise<string[]> {
  const done: string[] = []
  for (const change of [...backup.changes].reverse()) {
    const how = await undoChange(change, header => kept(change.path, header))
    done.push(`${change.path} ${how === 'restored' ? 'restored' : '(our profiles removed)'}`)
  }
  for (const file of backup.files) await rm(file, { force: true })
  // rmdir, not a recursive rm: a folder holding anything we did not write stays.
  for (const folder of backup.folders ?? []) {
    await rmdir(folder).catch((error: { code?: string }) => {
      if (error.code !== 'ENOENT') throw error
    })
  }
  return done
}

/** Every private file of ours starts with this, in this folder; the post step deletes nothing else. */
export const PRIVATE_PREFIX = 'assume-aws-role-'

export function privateFolder(env: NodeJS.ProcessEnv): string {
  return env.RUNNER_TEMP || tmpdir()
}

/** A private scratch file for the post step (backups, the refresh token source). */
export function privateTempPath(env: NodeJS.ProcessEnv, name: string): string {
  return join(privateFolder(env), `${PRIVATE_PREFIX}${name}-${randomUUID()}.json`)
}
