/**
 * Diagnosis of a file-system failure on the shared AWS files (profiles/file-error.ts): the title names the
 * operation and the file, the message the fix. Nothing was exported, and the files are as they
 * were (a failed write is taken back under the lock).
 */
import { FileSystemError, reasonOf } from '../profiles/file-error.js'
import { markdownText, neutralise } from '../runner/log-text.js'
import type { Cause } from './cause.js'
import { section } from './text.js'

export const fileSystemFailed: Cause = {
  matches: ({ error }) => error instanceof FileSystemError,
  explain: ({ error, env }) => {
    const failure = error as FileSystemError
    const file = shownPath(failure.path, env)
    const title = `Could not ${failure.operation} ${file}: ${reasonOf(failure.code)}`
    const detail = failure.detail ? ` (${neutralise(failure.detail)})` : ''
    const message = `${title}${detail}. ${fixFor(failure.code, file)}`
    return {
      title,
      message,
      details: section(title, [
        markdownText(message),
        'Nothing was exported, and the AWS config and credentials files were left as they were.'
      ])
    }
  }
}

/** `~/…` for a path in HOME, as a person would type it; one line, cut. */
export function shownPath(path: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME?.replace(/[\\/]+$/, '')
  const short =
    home && (path === home || path.startsWith(`${home}/`) || path.startsWith(`${home}\\`))
      ? `~${path.slice(home.length)}`
      : path
  const line = neutralise(short)
  return line.length > 160 ? `…${line.slice(-160)}` : line
}

const ELSEWHERE =
  'or set AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE in the job to files in a writable folder (for example under $RUNNER_TEMP)'

function fixFor(code: string, file: string): string {
  switch (code) {
    case 'EROFS':
      return `The file system holding it is mounted read-only: mount it writable, ${ELSEWHERE}, or drop aws-profile and role-profiles to get environment variables only.`
    case 'EACCES':
    case 'EPERM':
      return `The runner's user may not change it: give that user the folder and the file (chown, chmod u+rw), ${ELSEWHERE}.`
    case 'ENOSPC':
    case 'EDQUOT':
      return `Free space on the device holding ${file} (df -h shows it), ${ELSEWHERE}.`
    case 'EISDIR':
      return `A directory stands where the file should be: remove or rename it, ${ELSEWHERE}.`
    case 'ENOTDIR':
      return `A file stands where a folder of the path should be: remove or rename it, ${ELSEWHERE}.`
    case 'ESYMLINK':
      return `Replace the link with the file itself, ${ELSEWHERE}.`
    case 'ELOCKED':
      return 'Another job on this machine is writing the same files and did not finish in time: run the job again. If no such job is running, delete the lock folder named above.'
    case 'ECOMPROMISED':
      return 'Another process took the lock while this step held it (the machine may have stalled): run the job again.'
    default:
      return `Check the file and its folder, ${ELSEWHERE}.`
  }
}
