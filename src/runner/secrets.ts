/**
 * Every secret this run handles goes through `maskSecret` the moment we hold it: the runner masks
 * it in every later line, and `redact` removes it from any text we build (error messages can echo
 * request data back), so it never reaches the log, an annotation or the step summary.
 */
import { setSecret } from './commands.js'

const known = new Set<string>()
/** A JWT anywhere in a message (an ID token echoed by a server) is cut even if we never held it. */
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g

export function maskSecret(value: string | undefined): void {
  if (!value || known.has(value)) return
  setSecret(value)
  known.add(value)
}

export function redact(text: string): string {
  let result = text.replace(JWT, '***')
  // Longest first, so a secret containing another is replaced whole.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join('***')
  }
  return result
}

/** For tests: forget what earlier runs in the same process masked. */
export function forgetSecrets(): void {
  known.clear()
}
