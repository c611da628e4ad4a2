/**
 * The runner's file commands: how it reads GITHUB_ENV, GITHUB_OUTPUT and GITHUB_STATE after a
 * step, what fails the step, which names it refuses, and the step summary's limit and masking.
 * Follows actions/runner src/Runner.Worker/FileCommandManager.cs (EnvFileKeyValuePairs,
 * SetEnvFileCommand, CreateStepSummaryCommand); see test-support/README.md for the rule table.
 */
import type { SecretMasker } from './runner-log.js'

export interface FileCommandResult {
  /** The pairs read before any error, in order; a later pair of the same name wins. */
  values: Record<string, string>
  /** The exception text, when the file is malformed (the runner then fails the step). */
  error?: string
}

/**
 * EnvFileKeyValuePairs: `NAME=value` lines and `NAME<<DELIMITER` heredocs, LF line ends (CRLF only
 * on Windows, so a CR stays in the value here). Pairs are applied as they are read, so those
 * before a malformed line take effect even though the step fails.
 */
export function readFileCommand(text: string): FileCommandResult {
  const values: Record<string, string> = {}
  let index = 0
  const readLine = (): { line: string; newline: boolean } | undefined => {
    if (index >= text.length) return undefined
    const lf = text.indexOf('\n', index)
    const start = index
    if (lf < 0) {
      index = text.length
      return { line: text.slice(start), newline: false }
    }
    index = lf + 1
    return { line: text.slice(start, lf), newline: true }
  }
  try {
    for (let next = readLine(); next !== undefined; next = readLine()) {
      const { line } = next
      if (line === '') continue
      const equals = line.indexOf('=')
      const heredoc = line.indexOf('<<')
      if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
        // The runner checks `line` (never empty here), not the name: `=x` sets a variable named ''.
        values[line.slice(0, equals)] = line.slice(equals + 1)
      } else if (heredoc >= 0 && (equals < 0 || heredoc < equals)) {
        const name = line.slice(0, heredoc)
        const delimiter = line.slice(heredoc + 2)
        if (name === '' || delimiter === '') {
          throw new Error(
            `Invalid format '${line}'. Name must not be empty and delimiter must not be empty`
          )
        }
        const start = index
        let end = index
        for (let value = readLine(); value?.line !== delimiter; value = readLine()) {
          if (value === undefined)
            throw new Error(`Invalid value. Matching delimiter not found '${delimiter}'`)
          if (!value.newline) throw new Error('Invalid value. EOF marker missing new line.')
          end = index - 1
        }
        values[name] = end > start ? text.slice(start, end) : ''
      } else {
        throw new Error(`Invalid format '${line}'`)
      }
    }
  } catch (error) {
    return { values, error: (error as Error).message }
  }
  return { values }
}

/** SetEnvFileCommand `_setEnvBlockList`, compared OrdinalIgnoreCase. */
const ENV_BLOCK_LIST = ['NODE_OPTIONS']

export interface EnvFileResult {
  /** What later steps get: blocked names left out. An empty value is a variable set to ''. */
  env: Record<string, string>
  /** Error annotations the runner adds (blocked names); they do not fail the step by themselves. */
  issues: string[]
  /** Set when the file is malformed: the step fails. */
  error?: string
}

export function readEnvFile(text: string): EnvFileResult {
  const { values, error } = readFileCommand(text)
  const env: Record<string, string> = {}
  const issues: string[] = []
  for (const [name, value] of Object.entries(values)) {
    const blocked = ENV_BLOCK_LIST.find(b => b.toLowerCase() === name.toLowerCase())
    if (blocked) issues.push(`Can't store ${blocked} output parameter using '$GITHUB_ENV' command.`)
    else env[name] = value
  }
  return { env, issues, error }
}

/** CreateStepSummaryCommand.AttachmentSizeLimit. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024

/**
 * The step summary as uploaded: over 1 MiB it is refused (an error, not a failed step); otherwise
 * each line masked (`SecretMasker.MaskSecrets(line)`, written back with WriteLine).
 */
export function uploadedSummary(
  text: string,
  masker: SecretMasker
): { summary: string; error?: string } {
  const size = Buffer.byteLength(text)
  if (size > SUMMARY_LIMIT_BYTES) {
    return {
      summary: '',
      error: `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of ${SUMMARY_LIMIT_BYTES / 1024}k, got ${Math.floor(size / 1024)}k.`
    }
  }
  if (text === '') return { summary: '' }
  // StreamReader.ReadLine splits on CR, LF and CRLF; a final line end adds no empty line.
  const lines = text.split(/\r\n|\r|\n/)
  if (lines.at(-1) === '') lines.pop()
  return { summary: lines.map(line => `${masker.mask(line)}\n`).join('') }
}
