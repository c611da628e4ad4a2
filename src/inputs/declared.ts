/**
 * The inputs action.yml declares, and what to make of the other INPUT_* variables the step sees.
 * The runner does not stop at an input action.yml does not declare: it warns "Unexpected input(s)"
 * and still hands it to the process as INPUT_<NAME> (actions/runner, ActionRunner.cs), so a
 * misspelt `role-to-asume:` would quietly run without a role. A name close to one of ours fails
 * the step before any call; any other unknown one draws one warning.
 */
import { InputError, quote } from '../rules/input-error.js'

/** action.yml's inputs, in its order (a unit test compares the two). */
export const DECLARED_INPUTS: readonly string[] = [
  'aws-region',
  'role-to-assume',
  'aws-access-key-id',
  'aws-secret-access-key',
  'aws-session-token',
  'role-session-name',
  'role-duration-seconds',
  'role-external-id',
  'audience',
  'web-identity-token-file',
  'role-chaining',
  'force-skip-oidc',
  'role-skip-session-tagging',
  'custom-tags',
  'transitive-tag-keys',
  'inline-session-policy',
  'managed-session-policies',
  'mask-aws-account-id',
  'output-credentials',
  'output-env-credentials',
  'unset-current-credentials',
  'allowed-account-ids',
  'sts-endpoint',
  'disable-retry',
  'retry-max-attempts',
  'action-timeout-s',
  'special-characters-workaround',
  'http-proxy',
  'no-proxy',
  'aws-profile',
  'overwrite-aws-profile',
  'role-profiles',
  'refresh-credentials',
  'source-identity',
  'use-existing-credentials'
]

const PREFIX = 'INPUT_'
/** Names this long or longer may be two edits away and still count as a typo; shorter ones one. */
const LONG_NAME = 6

/** An unknown input, and the declared input it is close to, if any. */
export interface UnknownInput {
  name: string
  closeTo?: string
}

/**
 * The INPUT_ variables that are not one of ours. The runner upper-cases the name and keeps its
 * hyphens (and on Windows variable names ignore case), so ours is any INPUT_ variable equal to a
 * declared name once both are upper-cased; `aws_region:` arrives as INPUT_AWS_REGION, which is not.
 */
export function unknownInputs(env: NodeJS.ProcessEnv): UnknownInput[] {
  const ours = new Set(DECLARED_INPUTS.map(name => name.toUpperCase()))
  const found: UnknownInput[] = []
  for (const variable of Object.keys(env)) {
    if (variable.slice(0, PREFIX.length).toUpperCase() !== PREFIX) continue
    const rest = variable.slice(PREFIX.length)
    if (ours.has(rest.toUpperCase())) continue
    // The runner upper-cased what the workflow wrote; lower case is how it was most likely written.
    const name = rest.toLowerCase()
    found.push({ name, closeTo: closestDeclared(name) })
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/**
 * Fails on the first unknown input close to a declared one, naming both (never the value);
 * returns one warning per other unknown input.
 */
export function checkInputNames(env: NodeJS.ProcessEnv): string[] {
  const unknown = unknownInputs(env)
  const typo = unknown.find(entry => entry.closeTo !== undefined)
  if (typo?.closeTo) {
    throw new InputError(
      typo.name,
      `is not an input of this action; did you mean '${typo.closeTo}'? The runner passes undeclared inputs on without stopping, so the step stops here before any call. Rename it in the step's with: (or remove the INPUT_ variable from env:).`
    )
  }
  return unknown.map(
    entry =>
      `Input ${quote(entry.name)} is not an input of this action and is ignored (the runner passed it on as an INPUT_ variable).`
  )
}

/** The declared input `name` is a likely misspelling of: same once `_` and case are set aside, or a small edit away. */
export function closestDeclared(name: string): string | undefined {
  // Only plain names: one with a line break or a control character is quoted in a warning instead.
  if (!/^[a-z0-9_.-]{1,100}$/i.test(name)) return undefined
  const normal = name.toLowerCase().replace(/_/g, '-')
  const bare = normal.replace(/-/g, '')
  let best: { name: string; distance: number } | undefined
  for (const declared of DECLARED_INPUTS) {
    if (declared === normal || declared.replace(/-/g, '') === bare) return declared
    const limit = Math.min(declared.length, normal.length) >= LONG_NAME ? 2 : 1
    const distance = editDistance(normal, declared)
    if (distance <= limit && (!best || distance < best.distance))
      best = { name: declared, distance }
  }
  return best?.name
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbours each count one (`asume` → `assume` is one, `aws-regoin` → `aws-region` is one).
 */
export function editDistance(a: string, b: string): number {
  // Names longer than any input cannot be close; keep the table small for hostile names.
  if (Math.abs(a.length - b.length) > 2 || a.length > 200) return Infinity
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Infinity
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? []
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1)
      }
      row[j] = value
    }
  }
  return at(a.length, b.length)
}
