/**
 * A rule broken by an input. The message names the input and the rule; it never carries a secret
 * value, and quotes other values only through `quote`, which shows control characters and cuts
 * long values so a hostile input cannot reshape the log.
 */
export class InputError extends Error {
  constructor(
    readonly input: string,
    rule: string
  ) {
    super(`Input '${input}' ${rule}`)
    this.name = 'InputError'
  }
}

const QUOTE_LIMIT = 80

/** A value as it may appear in an error: JSON-quoted (so \n shows as \n), at most 80 characters. */
export function quote(value: string): string {
  const cut = value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value
  // JSON escapes only U+0000-U+001F; DEL, C1 controls (U+009B starts a terminal escape) and line
  // separators must not reach the log raw either.
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/** True when the value holds a control character, including newlines and DEL. */
export function hasControlCharacter(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we look for
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)
}
