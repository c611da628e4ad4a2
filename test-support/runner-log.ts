/**
 * How GitHub's runner turns a step's output into the log the Actions UI shows: workflow-command
 * parsing, `stop-commands`, `add-mask` and the secret masker with its encoded variants. Each rule
 * follows the runner's source (repository actions/runner), named next to it; test-support/README.md
 * lists them with the test that proves each.
 */

/**
 * Commands the runner registers (ActionCommandManager.cs: one IActionCommandExtension each, plus
 * `stop-commands`); names compare case-insensitively (`StringComparer.OrdinalIgnoreCase`). A line
 * naming any other command is not a command: it is printed as it is.
 */
const REGISTERED = new Set([
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo'
])

/** ActionCommand.cs `_escapeDataMappings`, undone in that order (`::cmd::data` form). */
function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/** ActionCommand.cs `_escapePropertyMappings`, undone in that order. */
function unescapeProperty(value: string): string {
  return value
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%')
}

/** ActionCommand.cs `_escapeMappings`, for the legacy `##[cmd]data` form. */
function unescapeLegacy(value: string): string {
  return value
    .replace(/%3B/g, ';')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%25/g, '%')
}

export interface ParsedCommand {
  /** Lower-cased: the runner matches names case-insensitively. */
  name: string
  properties: Record<string, string>
  data: string
}

/**
 * ActionCommand.TryParseV2 then ActionCommand.TryParse: `::name k=v,k=v::data` after trimming
 * leading whitespace (`message.TrimStart()`), else the legacy `##[name k=v;k=v]data` anywhere in
 * the line. `registered` holds the names in force (a stop token is one while commands are stopped).
 */
export function parseCommand(
  line: string,
  registered: ReadonlySet<string>
): ParsedCommand | undefined {
  const message = line.trimStart()
  if (message.startsWith('::')) {
    const end = message.indexOf('::', 2)
    if (end >= 0) {
      const info = message.slice(2, end)
      const space = info.indexOf(' ')
      const name = (space < 0 ? info : info.slice(0, space)).toLowerCase()
      if (registered.has(name)) {
        const properties: Record<string, string> = {}
        if (space > 0) {
          for (const pair of info
            .slice(space + 1)
            .trim()
            .split(',')
            .filter(Boolean)) {
            const eq = pair.indexOf('=')
            // Split('=', 2, RemoveEmptyEntries): both sides must be non-empty.
            if (eq > 0 && eq < pair.length - 1) {
              properties[pair.slice(0, eq).toLowerCase()] = unescapeProperty(pair.slice(eq + 1))
            }
          }
        }
        return { name, properties, data: unescapeData(message.slice(end + 2)) }
      }
    }
  }
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const close = line.indexOf(']', prefix)
  if (close < 0) return undefined
  const info = line.slice(prefix + 3, close)
  const space = info.indexOf(' ')
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase()
  if (!registered.has(name)) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .split(';')
      .filter(Boolean)) {
      const eq = pair.indexOf('=')
      if (eq > 0 && eq < pair.length - 1) {
        properties[pair.slice(0, eq).toLowerCase()] = unescapeLegacy(pair.slice(eq + 1))
      }
    }
  }
  return { name, properties, data: unescapeLegacy(line.slice(close + 1)) }
}

/**
 * The runner's secret masker (src/Sdk/DTLogging/Logging/SecretMasker.cs, ValueSecret.cs): every
 * registered value and each of its encodings (the encoders HostContext.cs registers, from
 * ValueEncoders.cs) is found by ordinal search; overlapping finds merge; each run becomes `***`.
 */
export class SecretMasker {
  private readonly originals = new Set<string>()
  private readonly values = new Set<string>()

  /** SecretMasker.AddValue: empty values are ignored; a value is added once. */
  add(value: string): void {
    if (value === '' || this.originals.has(value)) return
    this.originals.add(value)
    this.values.add(value)
    for (const encoded of encodings(value)) if (encoded !== '') this.values.add(encoded)
  }

  /** The values registered directly (not their encodings), in order. */
  registered(): string[] {
    return [...this.originals]
  }

  /** SecretMasker.MaskSecrets. */
  mask(input: string): string {
    const found: Array<[number, number]> = []
    for (const value of this.values) {
      // ValueSecret.GetPositions: IndexOf(value, start, Ordinal), then start + 1.
      for (let at = input.indexOf(value); at >= 0; at = input.indexOf(value, at + 1)) {
        found.push([at, at + value.length])
      }
    }
    if (found.length === 0) return input
    found.sort((a, b) => a[0] - b[0])
    const merged: Array<[number, number]> = []
    for (const [start, end] of found) {
      const last = merged.at(-1)
      if (last && start <= last[1]) last[1] = Math.max(last[1], end)
      else merged.push([start, end])
    }
    let out = ''
    let index = 0
    for (const [start, end] of merged) {
      out += `${input.slice(index, start)}***`
      index = end
    }
    return out + input.slice(index)
  }
}

/** ValueEncoders.cs, in the order HostContext.cs registers them. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const shifted = (shift: number): string =>
    (bytes.length > shift ? bytes.subarray(shift) : bytes).toString('base64')
  return [
    bytes.toString('base64'), // Base64StringEscape
    shifted(1), // Base64StringEscapeShift1
    shifted(2), // Base64StringEscapeShift2
    value.replace(/"/g, '\\"'), // CommandLineArgumentEscape
    value.replace(/'/g, "''"), // ExpressionStringEscape (ExpressionUtility.StringEscape)
    JSON.stringify(value).slice(1, -1), // JsonStringEscape (JsonConvert.ToString minus quotes)
    uriDataEscape(value), // UriDataEscape (Uri.EscapeDataString)
    xmlEscape(value), // XmlDataEscape (SecurityElement.Escape)
    value.length > 8 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : '', // TrimDoubleQuotes
    powerShellPre(value), // PowerShellPreAmpersandEscape
    powerShellPost(value) // PowerShellPostAmpersandEscape
  ]
}

/** Uri.EscapeDataString leaves only RFC 3986 unreserved characters; encodeURIComponent also keeps !'()*. */
function uriDataEscape(value: string): string {
  try {
    return encodeURIComponent(value).replace(
      /[!'()*]/g,
      c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
    )
  } catch {
    return '' // a lone surrogate: .NET throws too, and the encoder adds nothing
  }
}

function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

function powerShellPre(value: string): string {
  if (!value.includes('&')) return ''
  const section = value.includes('&+')
    ? value.slice(0, value.indexOf('&+') + 2)
    : value.slice(0, value.lastIndexOf('&') + 1)
  return section.length >= 6 ? section : ''
}

function powerShellPost(value: string): string {
  if (!value.includes('&')) return ''
  let section = ''
  if (value.includes('&+')) {
    if (value.length > value.indexOf('&+') + 3) section = value.slice(value.indexOf('&+') + 3)
  } else section = value.slice(value.lastIndexOf('&') + 1)
  return section.length >= 6 ? section : ''
}

/** Constants.cs UnsupportedStopCommandTokenDisabled. */
export const BAD_STOP_TOKEN =
  "You cannot use a endToken that is an empty string, the string 'pause-logging', or another workflow command."

export interface RenderedLog {
  /** Values registered with ::add-mask:: (each line of a multi-line one too), in order. */
  masks: string[]
  /** The log as the Actions UI shows it: commands rendered, masks applied. */
  log: string[]
  /** Warnings the runner itself adds (an empty add-mask, ...). */
  warnings: string[]
  /** Errors that fail the step (a stop-commands token the runner refuses). */
  failures: string[]
  masker: SecretMasker
}

/**
 * Processes a step's output lines in order, as ActionCommandManager.TryProcessCommand does, with
 * one masker for the job (`masker`, shared between steps like HostContext.SecretMasker).
 */
export function renderLog(
  lines: string[],
  debug: boolean,
  masker: SecretMasker = new SecretMasker()
): RenderedLog {
  const registered = new Set(REGISTERED)
  const masks: string[] = []
  const log: string[] = []
  const warnings: string[] = []
  const failures: string[] = []
  let stopToken: string | undefined
  const print = (text: string): void => {
    log.push(masker.mask(text))
  }
  for (const line of lines) {
    const command = parseCommand(line, registered)
    if (!command) {
      print(line)
      continue
    }
    if (stopToken !== undefined) {
      // Stopped: only the resume token is a command; everything else prints as it is.
      if (command.name === stopToken) {
        print(line)
        registered.delete(stopToken)
        stopToken = undefined
      } else print(line)
      continue
    }
    switch (command.name) {
      case 'stop-commands': {
        const token = command.data
        // ValidateStopToken: empty, 'pause-logging' or a registered command is refused.
        if (
          token === '' ||
          token.toLowerCase() === 'pause-logging' ||
          registered.has(token.toLowerCase())
        ) {
          failures.push(BAD_STOP_TOKEN)
          print(`Error: ${BAD_STOP_TOKEN}`)
          break
        }
        stopToken = token.toLowerCase()
        registered.add(stopToken)
        // The token is a secret once it is longer than six characters.
        if (token.length > 6) masker.add(token)
        print(line)
        break
      }
      case 'add-mask': {
        // AddMaskCommandExtension: OmitEcho; an empty or blank value is a warning.
        if (command.data.trim() === '') {
          const warning = "Can't add secret mask for empty string in ##[add-mask] command."
          warnings.push(warning)
          print(`Warning: ${warning}`)
          break
        }
        masker.add(command.data)
        masks.push(command.data)
        // "Also add each individual line": split on CR/LF, entries trimmed, empty ones dropped.
        for (const part of command.data.split(/[\r\n]/)) {
          const trimmed = part.trim()
          if (trimmed !== '') {
            masker.add(trimmed)
            if (trimmed !== command.data) masks.push(trimmed)
          }
        }
        break
      }
      case 'error':
        print(`Error: ${command.data}`)
        break
      case 'warning':
        print(`Warning: ${command.data}`)
        break
      case 'notice':
        print(`Notice: ${command.data}`)
        break
      case 'debug':
        if (debug) print(`##[debug]${command.data}`)
        break
      case 'group':
        print(`##[group]${command.data}`)
        break
      case 'endgroup':
        print('##[endgroup]')
        break
      default:
        // set-env, set-output, add-path (disabled by GitHub), matchers, echo: echoed as given.
        print(line)
    }
  }
  return { masks, log, warnings, failures, masker }
}
