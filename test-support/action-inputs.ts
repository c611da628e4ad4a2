/**
 * action.yml's declared inputs and their defaults, read once; runner.ts builds a step's inputs from
 * them as ActionRunner.cs does.
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
