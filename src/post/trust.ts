/**
 * What the post step may believe of its state. STATE_* variables can be set by any earlier step
 * (through GITHUB_ENV), so the backup record they point to is outside text: only a private file of
 * ours in RUNNER_TEMP is read, only private files of ours are deleted, and only the profile files
 * this step itself would write are touched. Anything else becomes a warning, never an action.
 */
import { lstat, readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import {
  CONFIG_NAME,
  currentPlatform,
  launcherBaseCandidates,
  launcherName
} from '../profiles/launcher.js'
import {
  PRIVATE_PREFIX,
  privateFolder,
  profilePaths,
  type Edit,
  type FileChange,
  type ProfileBackup
} from '../profiles/files.js'
import { neutralise } from '../runner/log-text.js'

/** A header we write: `default`, `profile NAME` (config) or `NAME` (credentials). */
const OUR_HEADER = /^(?:profile )?[A-Za-z0-9_.@+-]{1,64}$/
/** The keys profiles/named-profiles.ts writes; a record whose bytes hold others was not written by it. */
const OUR_KEYS =
  'aws_access_key_id|aws_secret_access_key|aws_session_token|region|role_arn|source_profile|role_session_name|duration_seconds|external_id|credential_process'

export interface TrustedBackup {
  backup: ProfileBackup
  warnings: string[]
}

/** Why `path` is not a private file of ours, or undefined when it is one. */
export async function notOurFile(
  path: string,
  env: NodeJS.ProcessEnv
): Promise<string | undefined> {
  const full = resolve(path)
  const name = basename(full)
  const inTemp =
    dirname(full) === resolve(privateFolder(env)) &&
    name.startsWith(PRIVATE_PREFIX) &&
    name.endsWith('.json')
  // A credential_process launcher's own two files, in a launcher folder of ours.
  const inLauncher =
    [launcherName(currentPlatform()), CONFIG_NAME].includes(name) &&
    (await notOurLauncherFolder(dirname(full), env)) === undefined
  if (!inTemp && !inLauncher) return `it is not a file of this action in RUNNER_TEMP`
  return notPrivate(full, false)
}

/**
 * Why `path` is not a credential_process launcher folder of ours (profiles/launcher.ts:
 * `assume-aws-role-*` directly in one of the folders a launcher may go), or undefined when it is.
 */
export async function notOurLauncherFolder(
  path: string,
  env: NodeJS.ProcessEnv
): Promise<string | undefined> {
  const full = resolve(path)
  const bases = launcherBaseCandidates(env, currentPlatform()).map(base => resolve(base))
  if (!bases.includes(dirname(full)) || !basename(full).startsWith(PRIVATE_PREFIX)) {
    return 'it is not a launcher folder of this action'
  }
  return notPrivate(full, true)
}

/** Why `full` is not a private file (or folder) of this user's, or undefined when it is one. */
async function notPrivate(full: string, folder: boolean): Promise<string | undefined> {
  try {
    const stat = await lstat(full)
    if (folder ? !stat.isDirectory() : !stat.isFile()) {
      return folder ? 'it is not a folder' : 'it is not a regular file'
    }
    if (process.getuid && stat.uid !== process.getuid()) return 'another user owns it'
    // Windows reports no POSIX permissions (every file looks 0666); ownership is the runner's there.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      return 'others may read or write it'
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 'it does not exist'
    throw error
  }
  return undefined
}

/**
 * The backup record at `path`, reduced to what can be verified: changes to this step's own
 * profile files with our section headers, and private files of ours. Throws (a warning for the
 * caller) when the record itself is not a private file of ours or not one of our records.
 */
export async function readTrustedBackup(
  path: string,
  env: NodeJS.ProcessEnv
): Promise<TrustedBackup> {
  const why = await notOurFile(path, env)
  if (why) throw new Error(`ignored the profile backup ${shown(path)}: ${why}.`)
  // No size cap: the record holds our sections, not the files, and must never be left unread.
  const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown
  if (
    !isRecord(parsed) ||
    parsed.version !== 2 ||
    !Array.isArray(parsed.changes) ||
    !Array.isArray(parsed.files)
  ) {
    throw new Error('ignored the profile backup: not a backup record of this action.')
  }
  const ownFiles = Object.values(profilePaths(env)).map(file => resolve(file))
  const warnings: string[] = []
  const changes: FileChange[] = []
  for (const entry of parsed.changes as unknown[]) {
    const change = readChange(entry)
    if (!change) {
      warnings.push('skipped an entry of the profile backup that is not a file change.')
    } else if (!ownFiles.includes(resolve(change.path))) {
      warnings.push(
        `left ${shown(change.path)} alone: it is not this job's AWS config or credentials file.`
      )
    } else if (!change.edits.every(isOurEdit)) {
      warnings.push(
        `left ${shown(change.path)} alone: the backup names sections this action never writes.`
      )
    } else changes.push(change)
  }
  const files: string[] = []
  for (const file of parsed.files as unknown[]) {
    if (typeof file !== 'string') continue
    const reason = await notOurFile(file, env)
    if (reason === undefined) files.push(file)
    else if (reason !== 'it does not exist')
      warnings.push(`did not delete ${shown(file)}: ${reason}.`)
  }
  const folders: string[] = []
  for (const folder of Array.isArray(parsed.folders) ? (parsed.folders as unknown[]) : []) {
    if (typeof folder !== 'string') continue
    const reason = await notOurLauncherFolder(folder, env)
    if (reason === undefined) folders.push(folder)
    else if (reason !== 'it does not exist')
      warnings.push(`did not remove ${shown(folder)}: ${reason}.`)
  }
  return { backup: { changes, files, folders }, warnings }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** A file change of the record (version 2: the edits' bytes in base64), or undefined. */
function readChange(value: unknown): FileChange | undefined {
  if (!isRecord(value) || typeof value.path !== 'string' || typeof value.created !== 'boolean') {
    return undefined
  }
  if (!Array.isArray(value.edits)) return undefined
  const edits: Edit[] = []
  for (const edit of value.edits as unknown[]) {
    if (
      !isRecord(edit) ||
      typeof edit.header !== 'string' ||
      typeof edit.inserted !== 'string' ||
      typeof edit.removed !== 'string' ||
      !BASE64.test(edit.inserted) ||
      !BASE64.test(edit.removed)
    ) {
      return undefined
    }
    edits.push({
      header: edit.header,
      inserted: Buffer.from(edit.inserted, 'base64'),
      removed: Buffer.from(edit.removed, 'base64')
    })
  }
  return { path: value.path, created: value.created, edits }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * An edit profiles/files.ts makes: our header; inserted bytes that are a separator and that one
 * section of our keys; removed bytes (overwrite) that are the user's section of that name.
 */
function isOurEdit(edit: Edit): boolean {
  if (!OUR_HEADER.test(edit.header)) return false
  const header = edit.header.replace(/[.+]/g, '\\$&')
  const ours = new RegExp(
    `^(?:\\r?\\n){0,2}\\[${header}\\](\\r?\\n)(?:(?:${OUR_KEYS}) = [^\\r\\n]*\\1)+$`
  )
  if (!ours.test(edit.inserted.toString('latin1'))) return false
  if (edit.removed.length === 0) return true
  const name = header.replace(/ /g, '[ \\t]+')
  return new RegExp(`^[ \\t]*\\[[ \\t]*${name}[ \\t]*\\]`).test(edit.removed.toString('latin1'))
}

/** A path from the state, quoted on one line and cut. */
function shown(path: string): string {
  return JSON.stringify(neutralise(path.length > 200 ? `${path.slice(0, 200)}…` : path))
}
