/**
 * The inputs a step receives as the runner builds them: every input action.yml declares with a
 * default gets it, and the workflow's `with:` values override. (runStep passes only what it is
 * given, so a test calling it directly would run the action with fewer INPUT_* variables than the
 * runner sets.) Names action.yml does not declare are refused, so a typo cannot pass silently.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './runner.js'

export interface ActionInput {
  name: string
  default?: string
}

/** The `inputs:` of action.yml, in order, with their defaults. */
export function actionInputs(file = join(ROOT, 'action.yml')): ActionInput[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const start = lines.indexOf('inputs:')
  if (start < 0) throw new Error(`${file}: no top-level inputs:`)
  const inputs: ActionInput[] = []
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break // the next top-level key
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line)?.[1]
    if (name) inputs.push({ name })
    const value = /^ {4}default:\s*(.*)$/.exec(line)?.[1]
    const current = inputs.at(-1)
    if (value !== undefined && current) current.default = scalar(value)
  }
  if (inputs.length === 0) throw new Error(`${file}: inputs: declares nothing`)
  return inputs
}

/** A one-line YAML scalar: quotes removed ('' is a quote inside single quotes). */
function scalar(text: string): string {
  const value = text.trim()
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'")
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value) as string
  return value.replace(/\s+#.*$/, '')
}

/** action.yml's defaults overlaid with the step's `with:`, as the runner passes them. */
export function stepInputs(given: Record<string, string>): Record<string, string> {
  const declared = actionInputs()
  const unknown = Object.keys(given).filter(name => !declared.some(i => i.name === name))
  if (unknown.length > 0) throw new Error(`action.yml declares no input ${unknown.join(', ')}`)
  const defaults = Object.fromEntries(
    declared.flatMap(input => (input.default === undefined ? [] : [[input.name, input.default]]))
  )
  return { ...defaults, ...given }
}
