/**
 * The lock around every read-modify-write of the shared AWS files. Runner instances on one host
 * often run as one user and share ~/.aws; without a lock, two jobs' writes lose each other's
 * sections. One lock per folder holding the files (usually one: ~/.aws), taken in a fixed order;
 * proper-lockfile's `mkdir` lock, refreshed while held and taken over once stale (a killed run's).
 * Beside it, a note of who holds it, for the message of a job that waited too long.
 */
import { hostname } from 'node:os'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { lock } from 'proper-lockfile'
import { asFileSystemError, FileSystemError, systemCode } from './file-error.js'

export const LOCK_NAME = '.assume-aws-role.lock'
const HOLDER_NAME = '.assume-aws-role.lock-holder'
/** How long a job waits for another's lock; a killed holder's is stale (free) after STALE_MS. */
export const LOCK_WAIT_MS = 60_000
/** proper-lockfile refreshes a held lock every STALE_MS / 2; a lock not refreshed is stale. */
const STALE_MS = 10_000

/** A held lock: check() before each rename throws if the lock was lost meanwhile. */
export interface LockGuard {
  check(): void
}

/**
 * Runs `work` holding the lock of every folder of `files` (created 0700 if missing). `beforeLock`
 * runs once a folder exists, before its lock is taken (the symlink check).
 */
export async function withFileLock<T>(
  files: string[],
  work: (guard: LockGuard) => Promise<T>,
  options: {
    waitMs?: number
    env?: NodeJS.ProcessEnv
    beforeLock?: (folder: string) => Promise<void>
  } = {}
): Promise<T> {
  const folders = [...new Set(files.map(file => dirname(file)))].sort()
  const releases: Array<() => Promise<void>> = []
  const lost: Error[] = []
  try {
    for (const folder of folders) {
      await options.beforeLock?.(folder)
      const file = files.find(candidate => dirname(candidate) === folder) ?? folder
      await mkdir(folder, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
        throw asFileSystemError(error, 'write', file)
      })
      releases.push(await acquire(folder, file, lost, options))
    }
    return await work({
      check() {
        if (lost.length > 0) {
          throw new FileSystemError('lock', folders[0] ?? '', 'ECOMPROMISED', lost[0]?.message)
        }
      }
    })
  } finally {
    for (const release of releases.reverse()) await release()
  }
}

async function acquire(
  folder: string,
  file: string,
  lost: Error[],
  options: { waitMs?: number; env?: NodeJS.ProcessEnv }
): Promise<() => Promise<void>> {
  const lockPath = join(folder, LOCK_NAME)
  const until = Date.now() + (options.waitMs ?? LOCK_WAIT_MS)
  for (;;) {
    try {
      const release = await lock(folder, {
        lockfilePath: lockPath,
        realpath: false,
        stale: STALE_MS,
        retries: 0,
        // Lost (not refreshed in time, or taken over as stale): the next rename refuses to run.
        onCompromised: error => lost.push(error)
      })
      await writeFile(join(folder, HOLDER_NAME), holderNote(options.env ?? process.env), {
        mode: 0o600
      }).catch(() => undefined)
      return async () => {
        await rm(join(folder, HOLDER_NAME), { force: true }).catch(() => undefined)
        await release().catch(() => undefined)
      }
    } catch (error) {
      if (systemCode(error) !== 'ELOCKED') throw asFileSystemError(error, 'write', file)
      if (Date.now() >= until) {
        const waited = Math.round((options.waitMs ?? LOCK_WAIT_MS) / 1000)
        throw new FileSystemError(
          'lock',
          folder,
          'ELOCKED',
          `waited ${waited} s for ${lockPath}, held by ${await holder(folder)}`
        )
      }
      // Jittered, so waiting jobs do not all retry at the same instant.
      await sleep(25 + Math.random() * 100)
    }
  }
}

/** Who holds the lock, in words a person can act on; only plain values from the note are shown. */
function holderNote(env: NodeJS.ProcessEnv): string {
  return JSON.stringify({
    pid: process.pid,
    host: hostname(),
    runner: env.RUNNER_NAME,
    repository: env.GITHUB_REPOSITORY,
    run: env.GITHUB_RUN_ID,
    job: env.GITHUB_JOB,
    since: new Date().toISOString()
  })
}

const PLAIN = /^[\w.:/@+ -]{1,100}$/

export async function holder(folder: string): Promise<string> {
  let note: Record<string, unknown>
  try {
    note = JSON.parse(await readFile(join(folder, HOLDER_NAME), 'utf8')) as Record<string, unknown>
  } catch {
    return 'an unknown process (it left no note)'
  }
  const plain = (name: string): string | undefined => {
    const value = note[name]
    const text = typeof value === 'number' ? String(value) : value
    return typeof text === 'string' && PLAIN.test(text) ? text : undefined
  }
  const [pid, host, runner, repository, since] = [
    'pid',
    'host',
    'runner',
    'repository',
    'since'
  ].map(plain)
  return [
    `process ${pid ?? '?'}${host ? ` on ${host}` : ''}`,
    runner && `runner ${runner}`,
    repository && `${repository} run ${plain('run') ?? '?'} job ${plain('job') ?? '?'}`,
    since && `since ${since}`
  ]
    .filter(Boolean)
    .join(', ')
}
