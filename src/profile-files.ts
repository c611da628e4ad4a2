/**
 * The shared credentials and config files: writing our profile sections and undoing that later.
 *
 * Other profiles and comments must survive byte for byte, which no INI serializer does (they all
 * re-emit the file), so we never re-serialize: we find our sections' line ranges by their headers
 * and splice only those. Reading which profiles exist is left to the SDK's loader (profiles.ts).
 */
import { randomUUID } from 'node:crypto'
import { chmod, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

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

export function profilePaths(env: NodeJS.ProcessEnv): ProfilePaths {
  const home = env.HOME || homedir()
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config')
  }
}

/** The config file names profiles `[profile x]`, except `[default]`; the credentials file `[x]`. */
export function configHeader(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`
}

/** Writes sections into a file (0600, folder 0700), replacing same-named ones, keeping the rest. */
export async function writeSections(path: string, sections: Section[]): Promise<FileChange> {
  await refuseSymlink(path)
  const original = await readIfExists(path)
  let text = original ?? ''
  for (const section of sections) text = spliceSection(text, section.header, render(section))
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
      text = spliceSection(text, header, '')
    } else if (sectionOf(text, header) !== undefined) kept(header)
  }
  await writePrivate(change.path, text)
  return 'removed-sections'
}

function render(section: Section): string {
  const lines = section.entries.map(([key, value]) => `${key} = ${value}`)
  return `[${section.header}]\n${lines.join('\n')}\n`
}

const HEADER = /^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/

/**
 * Replaces the section named `header` (its header line up to the next header) with `replacement`,
 * or appends the replacement when there is no such section. An empty replacement removes it.
 */
export function spliceSection(text: string, header: string, replacement: string): string {
  const { lines, start, end } = sectionRange(text, header)
  if (start === -1) {
    if (!replacement) return text
    const separator =
      text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n'
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

async function refuseSymlink(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSymbolicLink()) {
      throw new Error(`${path} is a symbolic link; refusing to write credentials through it.`)
    }
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error
  }
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null
    throw error
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writePrivate(path: string, text: string): Promise<void> {
  const folder = dirname(path)
  await mkdir(folder, { recursive: true, mode: 0o700 })
  const temporary = join(folder, `.${randomUUID()}.tmp`)
  await writeFile(temporary, text, { mode: 0o600, flag: 'wx' })
  await rename(temporary, path)
  await chmod(path, 0o600)
}

/** What the post step undoes: file changes (newest last) and private files to delete. */
export interface ProfileBackup {
  changes: FileChange[]
  files: string[]
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
