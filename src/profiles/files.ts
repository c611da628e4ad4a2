/**
 * The shared credentials and config files as bytes: our sections are spliced in, and taken out
 * again by the exact bytes inserted, under a lock (profiles/lock.ts), through temporary files.
 *
 * The user's part is never decoded and re-encoded: whatever it holds (Latin-1, invalid UTF-8, NUL,
 * a BOM, CR-only or mixed line ends) comes back byte for byte. Sections are found by scanning the
 * bytes for ASCII header lines; a Latin-1 view (one character per byte, so offsets are byte
 * offsets) is only read, never written. No INI serializer keeps a file byte for byte, and the SDK's
 * loader (which the "profile exists" check once used) takes about 5 s on a 50 MB config.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { constants } from 'node:fs'
import {
  access,
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  writeFile
} from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { basename, dirname, join, posix, win32 } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { currentPlatform, type Platform } from './launcher.js'
import { asFileSystemError, FileSystemError } from './file-error.js'
import { withFileLock, type LockGuard } from './lock.js'
import { pausePoint } from './test-pause.js'

export interface ProfilePaths {
  credentials: string
  config: string
}

/** A section to write: its header (without brackets) and its key = value lines. */
export interface Section {
  header: string
  entries: Array<[string, string]>
}

/**
 * One splice: `inserted` (our section, with any separator we put before it) took the place of
 * `removed` (empty for an appended section; the user's section of that name with overwrite).
 */
export interface Edit {
  header: string
  inserted: Buffer
  removed: Buffer
}

/** What one file's write changed, for the post step: no copy of the file, only our edits. */
export interface FileChange {
  path: string
  /** The file did not exist before: once our bytes are gone and it is empty, it goes too. */
  created: boolean
  edits: Edit[]
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

// ---------------------------------------------------------------------------------------------
// Finding sections in bytes

/** The file's bytes as Latin-1 (offsets are byte offsets), a leading UTF-8 BOM read as blanks. */
function scanText(bytes: Buffer): string {
  const text = bytes.toString('latin1')
  return text.startsWith('\u00ef\u00bb\u00bf') ? `   ${text.slice(3)}` : text
}

/**
 * A header line, as botocore reads them (configparser: universal newlines, so CR, LF and CRLF all
 * end a line; the JS SDK splits on LF and CRLF): `[name]`, blanks around and inside the brackets,
 * then an optional comment. With the `m` flag, `^`/`$` are at CR and LF, the only line
 * terminators a Latin-1 string can hold.
 */
const ANY_HEADER = /^[ \t]*\[[ \t]*([^\]\r\n]*?)[ \t]*\][ \t]*(?:[#;].*)?$/gm

/** `profile  x` and `profile x` are one header to the readers. */
function normalHeader(name: string): string {
  return name.replace(/[ \t]+/g, ' ')
}

/** Every header name in the file. */
export function headersIn(bytes: Buffer): Set<string> {
  const names = new Set<string>()
  for (const match of scanText(bytes).matchAll(ANY_HEADER)) names.add(normalHeader(match[1] ?? ''))
  return names
}

function headerPattern(header: string): RegExp {
  const name = header
    .split(' ')
    .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[ \\t]+')
  return new RegExp(`^[ \\t]*\\[[ \\t]*${name}[ \\t]*\\][ \\t]*(?:[#;].*)?$`, 'm')
}

/** A blank or comment line, with or without its line end. */
const FILLER = /^[ \t]*(?:[#;].*)?(?:\r\n|\n|\r)?$/

/**
 * Where the first section named `header` is: from its header line to the next header, without
 * the blank and comment lines just before that header (they belong to what follows).
 */
export function findSection(
  bytes: Buffer,
  header: string,
  text: string = scanText(bytes)
): { start: number; end: number } | undefined {
  const match = headerPattern(header).exec(text)
  if (!match) return undefined
  // A BOM stays where it is: it belongs to the file, not to the section.
  const start = match.index === 0 && bytes[0] === 0xef && bytes[1] === 0xbb ? 3 : match.index
  let bodyStart = match.index + match[0].length
  if (text.startsWith('\r\n', bodyStart)) bodyStart += 2
  else if (text[bodyStart] === '\n' || text[bodyStart] === '\r') bodyStart += 1
  const next = new RegExp(ANY_HEADER.source, 'gm')
  next.lastIndex = bodyStart
  const nextStart = next.exec(text)?.index ?? text.length
  const lines = text.slice(bodyStart, nextStart).split(/(?<=\r\n|\n|\r(?!\n))/)
  let end = nextStart
  while (lines.length > 0 && FILLER.test(lines[lines.length - 1] ?? '')) {
    end -= (lines.pop() ?? '').length
  }
  return { start, end }
}

/** The file's own line end: CRLF when its first LF ends a CRLF, else LF (CR-only files too). */
export function lineEnd(bytes: Buffer): '\n' | '\r\n' {
  const first = bytes.indexOf(0x0a)
  return first > 0 && bytes[first - 1] === 0x0d ? '\r\n' : '\n'
}

function render(section: Section, eol: string): Buffer {
  const lines = section.entries.map(([key, value]) => `${key} = ${value}`)
  return Buffer.from(`[${section.header}]${eol}${lines.join(eol)}${eol}`, 'utf8')
}

/**
 * What goes before an appended section: a blank line, unless the file is empty or already ends
 * with one. An LF always comes right before our header, so readers splitting on LF (the JS SDK)
 * see it even in a CR-only file.
 */
function separator(bytes: Buffer, eol: string): string {
  const tail = bytes.subarray(Math.max(0, bytes.length - 3)).toString('latin1')
  if (bytes.length === 0 || /\n\r?\n$/.test(tail)) return ''
  if (tail.endsWith('\n') || tail.endsWith('\r\r')) return eol
  return eol + eol
}

/** A section the run would write already exists, and overwrite-aws-profile is not set. */
export class SectionTakenError extends Error {
  constructor(
    readonly path: string,
    readonly header: string
  ) {
    super(`[${header}] already exists in ${path}`)
    this.name = 'SectionTakenError'
  }
}

/**
 * The file with `sections` spliced in (pure): each replaces the same-named section with
 * `overwrite`, or is appended. Returns the new bytes and the edits that undo it.
 */
export function planWrite(
  path: string,
  current: Buffer | null,
  sections: Section[],
  overwrite: boolean
): { next: Buffer; edits: Edit[] } {
  let bytes = current ?? Buffer.alloc(0)
  const eol = lineEnd(bytes)
  // One Latin-1 view for all sections (50 MB: tens of ms); only a replacement changes offsets.
  let text: string | undefined
  const edits: Edit[] = []
  for (const section of sections) {
    const rendered = render(section, eol)
    text ??= scanText(bytes)
    const range = findSection(bytes, section.header, text)
    if (range) {
      text = undefined
      if (!overwrite) throw new SectionTakenError(path, section.header)
      const removed = Buffer.from(bytes.subarray(range.start, range.end))
      bytes = Buffer.concat([bytes.subarray(0, range.start), rendered, bytes.subarray(range.end)])
      edits.push({ header: section.header, inserted: rendered, removed })
    } else {
      const inserted = Buffer.concat([Buffer.from(separator(bytes, eol)), rendered])
      bytes = Buffer.concat([bytes, inserted])
      edits.push({ header: section.header, inserted, removed: Buffer.alloc(0) })
    }
  }
  return { next: bytes, edits }
}

/**
 * The file with our edits taken back (pure), newest first: each `inserted` found (the last
 * place it is, where it still ends at a line that is blank, a comment, a header or the end of the
 * file) is replaced by what it replaced. Edits not found (never written, or changed since) are
 * listed in `missing`.
 */
export function planUndo(current: Buffer, edits: Edit[]): { next: Buffer; missing: string[] } {
  let bytes = current
  const missing: string[] = []
  for (const edit of [...edits].reverse()) {
    const at = findInserted(bytes, edit.inserted)
    if (at === -1) {
      missing.push(edit.header)
      continue
    }
    bytes = Buffer.concat([
      bytes.subarray(0, at),
      edit.removed,
      bytes.subarray(at + edit.inserted.length)
    ])
  }
  return { next: bytes, missing }
}

function findInserted(bytes: Buffer, inserted: Buffer): number {
  if (inserted.length === 0) return -1
  let at = bytes.lastIndexOf(inserted)
  while (at !== -1) {
    if (startsLine(bytes, at, inserted) && endsClean(bytes, at + inserted.length)) return at
    at = at === 0 ? -1 : bytes.lastIndexOf(inserted, at - 1)
  }
  return -1
}

function startsLine(bytes: Buffer, at: number, inserted: Buffer): boolean {
  const first = inserted[0]
  const before = bytes[at - 1]
  return at === 0 || first === 0x0a || first === 0x0d || before === 0x0a || before === 0x0d
}

/** What follows our section is not a key line someone added to it. */
function endsClean(bytes: Buffer, end: number): boolean {
  if (end >= bytes.length) return true
  const after = bytes.subarray(end, end + 4096).toString('latin1')
  const line = after.split(/\r\n|\n|\r/, 1)[0] ?? ''
  return /^[ \t]*(?:[#;[].*)?$/.test(line)
}

// ---------------------------------------------------------------------------------------------
// Reading and writing under the lock

/** Both files of one write, and what each gets. */
export interface FilePlan {
  path: string
  sections: Section[]
}

/**
 * Writes the sections under the lock: reads each file as bytes, plans the splice (a section
 * already there fails unless `overwrite`), hands the edits to `record` (the undo record, saved
 * before any file changes), then writes each file through a temporary file. A failure takes back
 * what was written, under the same lock.
 */
export async function writeProfileFiles(
  plans: FilePlan[],
  overwrite: boolean,
  record: (changes: FileChange[]) => Promise<void>
): Promise<FileChange[]> {
  const paths = plans.map(plan => plan.path)
  return withFileLock(
    paths,
    async guard => {
      await pausePoint('main:locked')
      await removeStaleTemporaries(paths)
      const prepared: Array<FileChange & { next: Buffer }> = []
      for (const plan of plans) {
        const current = await readIfExists(plan.path)
        const { next, edits } = planWrite(plan.path, current, plan.sections, overwrite)
        prepared.push({ path: plan.path, created: current === null, edits, next })
      }
      const changes = prepared.map(({ path, created, edits }) => ({ path, created, edits }))
      await record(changes)
      await pausePoint('main:recorded')
      const written: FileChange[] = []
      try {
        for (const change of prepared) {
          if (change.created) await writeMarker(change.path)
          await writeBytes(change.path, change.next, guard, 'main')
          written.push(change)
        }
      } catch (error) {
        // The file whose write failed (its marker, or its bytes if only the chmod failed) too.
        const failed = prepared[written.length]
        for (const change of [...(failed ? [failed] : []), ...written.reverse()]) {
          await undoFile(change, guard, 'main').catch(() => undefined)
        }
        throw error
      }
      return changes
    },
    { beforeLock: refuseSymlink }
  )
}

/** Post step: takes back each file's edits, newest first, under the lock. */
export async function undoProfileFiles(
  changes: FileChange[],
  kept: (path: string, header: string) => void
): Promise<string[]> {
  if (changes.length === 0) return []
  const paths = changes.map(change => change.path)
  return withFileLock(
    paths,
    async guard => {
      await pausePoint('post:locked')
      await removeStaleTemporaries(paths)
      const done: string[] = []
      for (const change of [...changes].reverse()) {
        const how = await undoFile(change, guard, 'post', header => kept(change.path, header))
        if (how) done.push(`${change.path} ${how}`)
      }
      return done
    },
    { beforeLock: refuseSymlink }
  )
}

/**
 * Post step of a main step stopped before its record was written: no edits to undo, but a lock
 * and temporary files it may have left beside the files (only folders that exist are visited).
 */
export async function tidyProfileFolders(paths: string[]): Promise<void> {
  const present: string[] = []
  for (const path of paths) if (await exists(dirname(path))) present.push(path)
  if (present.length === 0) return
  await withFileLock(present, () => removeStaleTemporaries(present), { beforeLock: refuseSymlink })
}

async function undoFile(
  change: FileChange,
  guard: LockGuard,
  step: string,
  kept: (header: string) => void = () => undefined
): Promise<string | undefined> {
  await refuseSymlink(change.path)
  const current = await readIfExists(change.path)
  if (current === null) {
    if (change.created) await rm(markerPath(change.path), { force: true })
    return undefined
  }
  const { next, missing } = planUndo(current, change.edits)
  if (missing.length > 0) {
    const present = headersIn(current)
    for (const header of missing) if (present.has(header)) kept(header)
  }
  if (next.length === 0 && (await exists(markerPath(change.path)))) {
    await rm(change.path, { force: true })
    await rm(markerPath(change.path), { force: true })
    return 'removed (this action created it)'
  }
  if (next.length === current.length && next.equals(current)) return undefined
  await writeBytes(change.path, next, guard, step)
  return 'restored (our sections removed)'
}

/**
 * A file this action created has a marker beside it until the file is gone again: whichever job's
 * post step removes the last of our sections (several jobs may share it) deletes the file, while a
 * file the user had, even empty, stays.
 */
function markerPath(path: string): string {
  return join(dirname(path), `.assume-aws-role.${basename(path)}.created`)
}

async function writeMarker(path: string): Promise<void> {
  await writeFile(markerPath(path), '', { mode: 0o600 }).catch((error: unknown) => {
    throw asFileSystemError(error, 'write', path)
  })
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false
  )
}

/** The file and its folder (`.aws` by default) must not be symbolic links. */
async function refuseSymlink(path: string): Promise<void> {
  for (const candidate of [dirname(path), path]) {
    try {
      if ((await lstat(candidate)).isSymbolicLink()) throw symlinkError(candidate)
    } catch (error) {
      if (error instanceof FileSystemError) throw error
      if ((error as { code?: string }).code !== 'ENOENT')
        throw asFileSystemError(error, 'read', candidate)
    }
  }
}

function symlinkError(path: string): FileSystemError {
  return new FileSystemError(
    'write',
    path,
    'ESYMLINK',
    `${path} is a symbolic link; refusing to write credentials through it`
  )
}

/** The file's bytes, or null; opened with O_NOFOLLOW where the platform has it. */
async function readIfExists(path: string): Promise<Buffer | null> {
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT') return null
    if (code === 'ELOOP') throw symlinkError(path)
    throw asFileSystemError(error, 'read', path)
  }
  try {
    return await handle.readFile()
  } catch (error) {
    throw asFileSystemError(error, 'read', path)
  } finally {
    await handle.close()
  }
}

/**
 * Before any call: each file that exists can be read, and each folder that exists can be written
 * (a read-only file system shows here, for root too). Returns which of `headers` (per file) are
 * already there.
 */
export async function existingHeaders(
  paths: ProfilePaths,
  headers: { credentials: string[]; config: string[] }
): Promise<{ credentials: Set<string>; config: Set<string> }> {
  for (const path of [paths.credentials, paths.config]) {
    await refuseSymlink(path)
    await access(dirname(path), constants.W_OK).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'ENOENT') {
        throw asFileSystemError(error, 'write', path)
      }
    })
  }
  const found = async (path: string, wanted: string[]): Promise<Set<string>> => {
    const bytes = wanted.length > 0 ? await readIfExists(path) : null
    if (!bytes) return new Set()
    const text = scanText(bytes)
    return new Set(wanted.filter(header => headerPattern(header).test(text)))
  }
  const [credentials, config] = await Promise.all([
    found(paths.credentials, headers.credentials),
    found(paths.config, headers.config)
  ])
  return { credentials, config }
}

// ---------------------------------------------------------------------------------------------
// Temporary files

/** `.assume-aws-role.<pid>.<random>.tmp`: a person can tell what made it, a later run whose. */
const TEMPORARY = /^\.assume-aws-role\.(\d{1,10})\.[0-9a-f]{12}\.tmp$/

function temporaryPath(folder: string): string {
  return join(folder, `.assume-aws-role.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

/**
 * Writes through a temporary file (0600, created exclusively, synced) and a rename, so a reader
 * never sees half a file; the temporary file is removed on every failure.
 */
async function writeBytes(
  path: string,
  bytes: Buffer | string,
  guard?: LockGuard,
  step?: string
): Promise<void> {
  const temporary = temporaryPath(dirname(path))
  try {
    const handle = await open(temporary, 'wx', 0o600)
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (step) await pausePoint(`${step}:${basename(path)}:temporary`)
    guard?.check()
    await renameRetrying(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined)
    throw asFileSystemError(error, 'write', path)
  }
  // On Windows this only sets or clears read-only: the user profile's own access rules apply.
  await chmod(path, 0o600).catch((error: unknown) => {
    throw asFileSystemError(error, 'write', path)
  })
  if (step) await pausePoint(`${step}:${basename(path)}:renamed`)
}

/**
 * Temporary files a killed run left beside the files (they may hold keys): ours by name, owned by
 * this user, made by a process that is gone. Called holding the lock, so no live writer of ours
 * is between its temporary write and its rename.
 */
async function removeStaleTemporaries(paths: string[]): Promise<void> {
  for (const folder of new Set(paths.map(path => dirname(path)))) {
    let names: string[]
    try {
      names = await readdir(folder)
    } catch {
      continue
    }
    for (const name of names) {
      const pid = Number(TEMPORARY.exec(name)?.[1] ?? NaN)
      if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue
      const file = join(folder, name)
      const stat = await lstat(file).catch(() => undefined)
      if (!stat?.isFile() || (process.getuid && stat.uid !== process.getuid())) continue
      await rm(file, { force: true }).catch(() => undefined)
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as { code?: string }).code !== 'ESRCH'
  }
}

/** A private file of ours (the undo record), written the same way; its folder 0700 if created. */
export async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeBytes(path, text)
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

// ---------------------------------------------------------------------------------------------
// The undo record

/** What the post step undoes: file changes (newest last), private files and folders to delete. */
export interface ProfileBackup {
  changes: FileChange[]
  files: string[]
  /** Private folders (the credential_process launchers'), removed once their files are gone. */
  folders?: string[]
}

/** The record as saved: the edits' bytes in base64. */
export function recordText(backup: ProfileBackup): string {
  return JSON.stringify({
    version: 2,
    changes: backup.changes.map(change => ({
      path: change.path,
      created: change.created,
      edits: change.edits.map(edit => ({
        header: edit.header,
        inserted: edit.inserted.toString('base64'),
        removed: edit.removed.toString('base64')
      }))
    })),
    files: backup.files,
    folders: backup.folders ?? []
  })
}

/** Post step: undo the file changes newest first, then delete the private files. */
export async function undoProfiles(
  backup: ProfileBackup,
  kept: (path: string, header: string) => void = () => undefined
): Promise<string[]> {
  const done = await undoProfileFiles(backup.changes, kept)
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
