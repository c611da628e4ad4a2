/**
 * The post step: blank exactly the variables the main step exported, undo every profile it wrote
 * (restoring the files' previous content), and delete its private files, so later steps and
 * anything else on the runner cannot pick the credentials up. It never fails the job.
 */
import { readFile, rm } from 'node:fs/promises'
import { undoProfiles, type ProfileBackup } from './profile-files.js'
import { exportVariable, info, warning } from './runner.js'
import { redact } from './secrets.js'
import { exportedVariables, profileBackupPath } from './state.js'

export async function run(): Promise<void> {
  if (process.env.AWS_SKIP_CLEANUP_STEP === 'true') {
    info('AWS_SKIP_CLEANUP_STEP is true: leaving the AWS variables and profiles in place.')
    return
  }
  await attempt('clear variables', async () => {
    const names = exportedVariables()
    for (const name of names) exportVariable(name, '')
    if (names.length > 0) info(`Cleared ${names.join(', ')}.`)
  })
  await attempt('undo profiles', async () => {
    const path = profileBackupPath()
    if (!path) return
    const backup = JSON.parse(await readFile(path, 'utf8')) as ProfileBackup
    for (const line of await undoProfiles(backup)) info(`Profiles: ${line}`)
    await rm(path, { force: true })
  })
}

/** Each part runs even if another failed; a failure is a warning, never a failed job. */
async function attempt(what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action()
  } catch (error) {
    warning(
      `Cleanup could not ${what}: ${redact(error instanceof Error ? error.message : String(error))}`
    )
  }
}
