/**
 * The one place that makes outside text (inputs, server answers, the environment) safe to print.
 * The runner reads every stdout line that starts with `::` as a workflow command, so a line break
 * inside a value would let that value start its own command; other control characters (ESC, C1
 * controls, U+2028/U+2029) reshape the log in terminals and the UI. Every writer in runner/commands.ts passes
 * its text through `neutralise`; values inside the step summary also go through `markdownText`.
 */

// Every C0 control (line breaks and tabs included), DEL, C1 controls, and the Unicode line and
// paragraph separators.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** The text on one line, each control character shown as an escape (`\n`, `\u001b`). */
export function neutralise(text: string): string {
  return text.replace(
    CONTROL,
    char => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/**
 * One outside value inside step-summary markdown: on one line, and with markdown and HTML
 * punctuation backslash-escaped, so it can neither end a table cell, a code span or a block nor
 * add a link, an image or HTML. Put such values in plain text, not in code spans (where a
 * backslash shows as itself); `\|` also holds inside table cells (GFM).
 */
export function markdownText(text: string): string {
  return neutralise(text).replace(/[\\`*_[\]()#|<>!~&]/g, char => `\\${char}`)
}

/**
 * One outside value as a code span (shown as is), for table cells: on one line, `|` escaped (GFM
 * honours `\|` inside code spans in tables); a value holding a backtick, which would end the span,
 * falls back to `markdownText`.
 */
export function markdownCode(text: string): string {
  const line = neutralise(text)
  return line.includes('`') || line === ''
    ? markdownText(line)
    : `\`${line.replace(/\|/g, '\\|')}\``
}

/** At most `limit` characters, marked with … when cut. Cut text only after redacting it. */
export function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text
}
