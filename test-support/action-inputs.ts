/**
 * The inputs a step receives as the runner builds them: every input action.yml declares with a
 * default gets it, and the workflow's `with:` values override. Names action.yml does not declare
 * are refused, so a typo in a test cannot pass silently.
 */
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const ACTION_YML = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'action.yml')

interface ActionMetadata {
  inputs: Record<string, { default?: string }>
}

let declared: ActionMetadata['inputs'] | undefined

/** action.yml's `inputs:`, read once. */
export function actionInputs(): ActionMetadata['inputs'] {
  declared ??= (parse(readFileSync(ACTION_YML, 'utf8')) as ActionMetadata).inputs
  return declared
}

/** action.yml's defaults overlaid with the step's `with:`, as the runner passes them. */
export function stepInputs(given: Record<string, string>): Record<string, string> {
  const inputs = actionInputs()
  const unknown = Object.keys(given).filter(name => !(name in inputs))
  if (unknown.length > 0) throw new Error(`action.yml declares no input ${unknown.join(', ')}`)
  const defaults = Object.entries(inputs).flatMap(([name, input]) =>
    input.default === undefined ? [] : [[name, String(input.default)] as const]
  )
  return { ...Object.fromEntries(defaults), ...given }
}
