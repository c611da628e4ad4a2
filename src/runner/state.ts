/**
 * What the main step leaves for the post step. The runner hands each saved value back to the post
 * step as STATE_<name>; this module is the only one that knows the names.
 */
import { getState, saveState } from './commands.js'

/** Names of the environment variables main exported, so post can blank exactly those. */
export function saveExportedVariables(names: string[]): void {
  saveState('exportedVariables', JSON.stringify(names))
}

export function exportedVariables(): string[] {
  try {
    const parsed: unknown = JSON.parse(getState('exportedVariables') || '[]')
    return Array.isArray(parsed)
      ? parsed.filter((name): name is string => typeof name === 'string')
      : []
  } catch {
    return []
  }
}

/** The private file (in RUNNER_TEMP) describing the profile files main changed. */
export function saveProfileBackup(path: string): void {
  saveState('profileBackup', path)
}

export function profileBackupPath(): string {
  return getState('profileBackup')
}
