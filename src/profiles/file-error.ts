/**
 * A file-system failure while reading, locking or writing the shared AWS files: what was being
 * done, to which file, and the system's code, carried to the diagnosis (diagnose/files.ts), so it
 * is never mistaken for an STS failure.
 */

export type FileOperation = 'read' | 'write' | 'lock'

export class FileSystemError extends Error {
  constructor(
    readonly operation: FileOperation,
    /** The file (or, for `lock`, the folder) the operation was for. */
    readonly path: string,
    /** The system's code (`EROFS`, `ENOSPC`, …), or ours: `ELOCKED`, `ECOMPROMISED`, `ESYMLINK`. */
    readonly code: string,
    /** A sentence of detail: which lock, who holds it, which part of the path. */
    readonly detail?: string,
    options?: { cause?: unknown }
  ) {
    super(
      `Could not ${operation} ${path}: ${reasonOf(code)}${detail ? ` (${detail})` : ''}`,
      options
    )
    this.name = 'FileSystemError'
  }
}

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ELOCKED: 'another job holds the lock',
  ECOMPROMISED: 'the lock was lost',
  ESYMLINK: 'it is a symbolic link'
}

/** A short reason for a code, in words. */
export function reasonOf(code: string): string {
  return REASONS[code] ?? (/^E[A-Z0-9]{1,15}$/.test(code) ? code : 'unknown error')
}

/** The system code of a Node.js file-system error, or undefined for anything else. */
export function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z0-9]{1,15}$/.test(code) ? code : undefined
}

/**
 * Node's own error as a FileSystemError for `path` (a FileSystemError passes unchanged); an error
 * without a system code is returned as it is.
 */
export function asFileSystemError(error: unknown, operation: FileOperation, path: string): unknown {
  if (error instanceof FileSystemError) return error
  const code = systemCode(error)
  return code ? new FileSystemError(operation, path, code, undefined, { cause: error }) : error
}
