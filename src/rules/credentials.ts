/** The rule for the source keys given as inputs: shape only, never quoting a value. */
import { InputError, hasControlCharacter } from './input-error.js'

/**
 * Source keys are checked for shape only, and their values are never quoted: a pasted newline or
 * space inside a secret is the usual cause of SignatureDoesNotMatch, and is cheaper to catch here.
 */
export function parseKeyPart(input: string, value: string, maxLength: number): string {
  if (/\s/.test(value) || hasControlCharacter(value)) {
    throw new InputError(
      input,
      `contains spaces, line breaks or control characters (often pasted with the secret by mistake; value not shown).`
    )
  }
  if (value.length > maxLength) {
    throw new InputError(input, `is longer than ${maxLength} characters (value not shown).`)
  }
  return value
}
