/**
 * The post step: blank exactly the variables the main step exported, so later post steps and
 * anything else on the runner cannot pick the credentials up. It never fails the job.
 */
import { exportVariable, info, warning } from './runner.js'
import { redact } from './secrets.js'
import { exportedVariables } from './state.js'

export async function run(): Promise<void> {
  try {
    if (process.env.AWS_SKIP_CLEANUP_STEP === 'true') {
      info('AWS_SKIP_CLEANUP_STEP is true: leaving the AWS variables in place.')
      return
    }
    const names = exportedVariables()
    for (const name of names) exportVariable(name, '')
    if (names.length > 0) info(`Cleared ${names.join(', ')}.`)
  } catch (error) {
    warning(
      `Cleanup did not complete: ${redact(error instanceof Error ? error.message : String(error))}`
    )
  }
}
