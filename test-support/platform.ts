/**
 * Assertions that mean different things per platform: POSIX mode bits exist on Linux and macOS;
 * on Windows `chmod` only toggles read-only, so a mode is not asserted there (docs/profiles.md
 * says so) and the file's existence is all that is checked.
 */
import { expect } from '@jest/globals'
import { existsSync, statSync } from 'node:fs'

export const IS_WINDOWS = process.platform === 'win32'

/** The file or folder exists and, where mode bits mean something, has exactly `mode`. */
export function expectMode(path: string, mode: number): void {
  expect(existsSync(path)).toBe(true)
  if (!IS_WINDOWS) expect(statSync(path).mode & 0o777).toBe(mode)
}
