/**
 * The post entry __tests__/e2e/local-action.test.ts hands to GitHub's local-action (7.x) in place
 * of src/post/cleanup.ts, to read what local-action's @actions/core stub holds through the stub's own
 * functions: the state main saved (its getState), the masks it knows (its info prints each
 * registered secret as ****), and the variables main exported, before and after the real post
 * step runs. Prints `LOCAL-ACTION-MASKS [...]` through the stub and `LOCAL-ACTION-RECORD {json}`.
 */
import * as core from '@actions/core'
import { run as post } from '../src/post/cleanup.js'

const VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION'
]

const variables = (): Record<string, string | undefined> =>
  Object.fromEntries(VARIABLES.map(name => [name, process.env[name]]))

export async function run(): Promise<void> {
  const afterMain = { env: variables(), state: core.getState('exportedVariables') }
  const secrets = [
    process.env['INPUT_AWS-ACCESS-KEY-ID'],
    process.env['INPUT_AWS-SECRET-ACCESS-KEY'],
    process.env.AWS_ACCESS_KEY_ID,
    process.env.AWS_SECRET_ACCESS_KEY,
    process.env.AWS_SESSION_TOKEN
  ]
  core.info(`LOCAL-ACTION-MASKS ${JSON.stringify(secrets)}`)
  await post()
  console.log(
    `LOCAL-ACTION-RECORD ${JSON.stringify({ afterMain, afterPost: { env: variables() } })}`
  )
}
