/**
 * The one module that imports @actions/core and @actions/github.
 *
 * @actions/core through its public entry, lib/core.js (its export map's "."), so that tools
 * replacing that entry see everything the action does: GitHub's local-action swaps in stubs that
 * record outputs, exported variables, masks and state (an earlier version imported core's command
 * modules, and local-action saw none of it). The entry is named by its path because ncc resolves
 * packages with the `require` condition and this export map offers only `import`. The entry also loads an OIDC client (@actions/http-client with undici, ~480 KB
 * minified) and platform details (@actions/exec), which this action never calls: the ID token
 * comes through the SDK's handler (sources/github-oidc.ts). In the bundle, tsconfig.build.json `paths`
 * replaces both with bundle/toolkit-stand-ins.ts; tests, type checks and tsx see the real packages.
 * @actions/github's Context is imported by path: that package's index also loads Octokit (~140 KB).
 * If an update moves it, __tests__/unit/runner/actions-toolkit.test.ts fails before anything is built.
 */
export {
  debug,
  error,
  exportVariable,
  getInput,
  getState,
  info,
  isDebug,
  saveState,
  setOutput,
  setSecret,
  warning
} from '../../node_modules/@actions/core/lib/core.js'
export { Context } from '../../node_modules/@actions/github/lib/context.js'

/** The files imported by path above, relative to node_modules (the test checks each one). */
export const TOOLKIT_FILES = [
  '@actions/core/lib/core.js',
  '@actions/github/lib/context.js'
] as const
