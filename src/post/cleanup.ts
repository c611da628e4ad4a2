/**
 * The post step: blank exactly the variables the main step exported, undo every profile it wrote
 * (restoring the files' previous content), and delete its private files, so later steps and
 * anything else on the runner cannot pick the credentials up. It never fails the job, and it
 * acts only on what it can verify as its own (post/trust.ts).
 */
import { lstat, rm } from 'node:fs/promises'
import { readTrustedBackup } from './trust.js'
import { profilePaths, tidyProfileFolders, undoProfiles } from '../profiles/files.js'
import { exportVariable, info, warning } from '../runner/commands.js'
import { redact } from '../runner/secrets.js'
import { exportedVariables, profileBackupPath } from '../runner/state.js'

/** The only variables publish.ts exports; a state naming others was not written by it. */
const OUR_VARIABLES =
  /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|REGION|DEFAULT_REGION)$/

export async function run(): Promise<void> {
  if (process.env.AWS_SKIP_CLEANUP_STEP === 'true') {
    info('AWS_SKIP_CLEANUP_STEP is true: leaving the AWS variables and profiles in place.')
    return
  }
  await attempt('clear variables', async () => {
    const listed = exportedVariables()
    const names = listed.filter(name => OUR_VARIABLES.test(name))
    if (names.length < listed.length) {
      warning(
        'Cleanup left variables alone that the main step never exports (the state was changed).'
      )
    }
    for (const name of names) exportVariable(name, '')
    if (names.length > 0) info(`Cleared ${names.join(', ')}.`)
  })
  await attempt('undo profiles', async () => {
    const path = profileBackupPath()
    if (!path) return
    // Saved before the record: a main step stopped in between wrote no file either.
    if (
      !(await lstat(path).then(
        () => true,
        () => false
      ))
    ) {
      info('Profiles: nothing to undo (the main step wrote no profile).')
      await tidyProfileFolders(Object.values(profilePaths(process.env)))
      return
    }
    const { backup, warnings } = await readTrustedBackup(path, process.env)
    for (const line of warnings) warning(`Cleanup ${line}`)
    const done = await undoProfiles(backup, (file, header) =>
      warning(`Cleanup left [${header}] in ${file}: it changed since this action wrote it.`)
    )
    for (const line of done) info(`Profiles: ${line}`)
    // A main step stopped before its files changed may have left its lock: take it over.
    if (backup.changes.length === 0)
      await tidyProfileFolders(Object.values(profilePaths(process.env)))
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
