/**
 * The runner's side of the contract: inputs arrive as INPUT_* variables, commands go to stdout,
 * and env/outputs/state go to the files named by GITHUB_ENV, GITHUB_OUTPUT and GITHUB_STATE.
 *
 * Everything goes through @actions/core's public functions (imported in one place,
 * runner/actions-toolkit.ts), so a tool that replaces @actions/core, such as GitHub's local-action, sees
 * every output, variable, mask and state value. On top of them, every writer passes its text
 * through `neutralise` (runner/log-text.ts): no value can start a line, so none can start a workflow
 * command. Outputs, variables and state refuse line breaks outright.
 */
import * as core from './actions-toolkit.js'
import { EOL } from 'node:os'
import { neutralise } from './log-text.js'

export interface AnnotationProperties {
  title?: string
}

/**
 * Off when this process is not a workflow step (the credential_process of a profile): its output
 * goes to the AWS CLI or an SDK, which embed stderr in their own errors, so there are no commands
 * then, only plain lines on stderr.
 */
let workflowCommands = true

export function disableWorkflowCommands(): void {
  workflowCommands = false
}

/** A line the runner must show as text: it may not begin like a command (`::x::`, `##[x]`). */
function textLine(message: string): string {
  const line = neutralise(message)
  return /^\s*(::|##\[)/.test(line) ? `> ${line}` : line
}

type Annotate = typeof core.warning

function annotate(
  name: 'warning' | 'error',
  write: Annotate,
  properties: AnnotationProperties,
  message: string
): void {
  if (!workflowCommands) {
    process.stderr.write(`${name}: ${textLine(message)}${EOL}`)
    return
  }
  write(neutralise(message), properties.title ? { title: neutralise(properties.title) } : {})
}

/** Outputs, variables and state hold one line: a line break is a bug upstream, never written. */
function oneLineValue(kind: string, name: string, value: string): string {
  if (/[\r\n]/.test(value))
    throw new Error(`Refusing to write ${kind} ${name}: it holds a line break.`)
  return value
}

/** An input as the runner passes it, trimmed as @actions/core trims it. */
export function getInput(name: string): string {
  return getRawInput(name).trim()
}

/** An input exactly as written in the workflow (numbers are validated untrimmed). */
export function getRawInput(name: string): string {
  return core.getInput(name, { trimWhitespace: false })
}

/** Tells the runner to replace `value` with *** in every line printed after this one. */
export function setSecret(value: string): void {
  // Not neutralised: the runner must see the exact value to mask it.
  if (value && workflowCommands) core.setSecret(value)
}

/** Sets the variable in this process and, through GITHUB_ENV, for the job's later steps. */
export function exportVariable(name: string, value: string): void {
  core.exportVariable(name, oneLineValue('variable', name, value))
}

export function setOutput(name: string, value: string): void {
  core.setOutput(name, oneLineValue('output', name, value))
}

export function saveState(name: string, value: string): void {
  core.saveState(name, oneLineValue('state', name, value))
}

export function getState(name: string): string {
  return core.getState(name)
}

/** Step debug logging (RUNNER_DEBUG=1). */
export function isDebug(): boolean {
  return core.isDebug()
}

export function info(message: string): void {
  if (workflowCommands) core.info(textLine(message))
  else process.stderr.write(textLine(message) + EOL)
}

export function debug(message: string): void {
  if (workflowCommands) core.debug(neutralise(message))
}

export function warning(message: string, properties: AnnotationProperties = {}): void {
  annotate('warning', core.warning, properties, message)
}

export function error(message: string, properties: AnnotationProperties = {}): void {
  annotate('error', core.error, properties, message)
}

export function setFailed(message: string, properties: AnnotationProperties = {}): void {
  process.exitCode = 1
  error(message, properties)
}

/**
 * Appends markdown to the job summary; a no-op outside the runner (no GITHUB_STEP_SUMMARY). The
 * line structure is the caller's; each line is neutralised, and outside values in it must already
 * have gone through `markdownText`.
 */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file || !workflowCommands) return
  // Loaded on use: node:fs/promises brings readline with it, and most runs write no summary.
  const { appendFile } = await import('node:fs/promises')
  await appendFile(file, markdown.split(/\r?\n/).map(neutralise).join(EOL) + EOL)
}
