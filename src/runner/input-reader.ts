/** How inputs are read, and the length bound every input passes before any rule sees it. */
import { InputError } from '../rules/input-error.js'

/** How inputs are read: `get` trims as @actions/core does, `raw` does not. */
export interface InputReader {
  get(name: string): string
  raw(name: string): string
}

/** No input needs more; larger ones are mistakes or attacks and are refused before parsing. */
const MAX_INPUT_LENGTH = 65536

export function boundedReader(reader: InputReader): InputReader {
  const check = (name: string, value: string): string => {
    if (value.length > MAX_INPUT_LENGTH) {
      throw new InputError(
        name,
        `is ${value.length} characters long; the limit is ${MAX_INPUT_LENGTH}.`
      )
    }
    return value
  }
  return { get: name => check(name, reader.get(name)), raw: name => check(name, reader.raw(name)) }
}

/** An empty input is absent; any other value must pass `parse`. */
export function optional<T>(value: string, parse: (value: string) => T): T | undefined {
  return value === '' ? undefined : parse(value)
}
