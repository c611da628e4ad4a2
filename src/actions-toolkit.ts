/**
 * The one module that reaches into @actions/core and @actions/github by file path.
 *
 * Both packages' export maps list only their index, and both indexes load far more than this
 * action uses: @actions/core's statically imports its OIDC HTTP client (@actions/http-client and
 * undici, ~480 KB minified), @actions/github's loads Octokit (~140 KB). Parsing them cost ~50 ms of
 * a ~160 ms start (measured for issue 7), and the ID token is fetched through the SDK's own HTTP
 * handler anyway. The modules below import only Node built-ins and each other. If an update moves
 * or renames them, __tests__/unit/actions-toolkit.test.ts fails before anything is built.
 */
export { issueCommand } from '../node_modules/@actions/core/lib/command.js'
export {
  issueFileCommand,
  prepareKeyValueMessage
} from '../node_modules/@actions/core/lib/file-command.js'
export { toCommandProperties } from '../node_modules/@actions/core/lib/utils.js'
export { Context } from '../node_modules/@actions/github/lib/context.js'

/** The files re-exported above, relative to node_modules (the test checks each one). */
export const TOOLKIT_FILES = [
  '@actions/core/lib/command.js',
  '@actions/core/lib/file-command.js',
  '@actions/core/lib/utils.js',
  '@actions/github/lib/context.js'
] as const
