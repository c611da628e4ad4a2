/**
 * The runner's side of the contract: inputs arrive as INPUT_* variables, commands go to stdout,
 * and env/outputs/state go to the files named by GITHUB_ENV, GITHUB_OUTPUT and GITHUB_STATE.
 *
 * This wraps @actions/core's own command modules instead of its index: the index statically imports
 * the OIDC HTTP client (@actions/http-client and undici, ~480 KB minified) that every run would
 * parse, costing ~50 ms of a ~160 ms start, although we fetch the ID token with the platform's
 * fetch (see sources/github-oidc.ts). Its modules are imported by path: the package's export map only lists the index.
 */
import { issueCommand } from '../node_modules/@actions/core/lib/command.js'
import {
  issueFileCommand,
  prepareKeyValueMessage
} from '../node_modules/@actions/core/lib/file-command.js'
import { toCommandProperties } from '../node_modules/@actions/core/lib/utils.js'
import { appendFile } from 'node:fs/promises'
import { EOL } from 'node:os'

export interface AnnotationProperties {
  title?: string
}

/** An input as the runner passes it, trimmed as @actions/core trims it. */
export function getInput(name: string): string {
  return getRawInput(name).trim()
}

/** An input exactly as written in the workflow (numbers are validated untrimmed). */
export function getRawInput(name: string): string {
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? ''
}

/** Tells the runner to replace `value` with *** in every line printed after this one. */
export function setSecret(value: string): void {
  if (value) issueCommand('add-mask', {}, value)
}

export function exportVariable(name: string, value: string): void {
  process.env[name] = value
  if (process.env.GITHUB_ENV) {
    issueFileCommand('ENV', prepareKeyValueMessage(name, value))
  } else {
    issueCommand('set-env', { name }, value)
  }
}

export function setOutput(name: string, value: string): void {
  if (process.env.GITHUB_OUTPUT) {
    issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value))
  } else {
    process.stdout.write(EOL)
    issueCommand('set-output', { name }, value)
  }
}

export function saveState(name: string, value: string): void {
  if (process.env.GITHUB_STATE) {
    issueFileCommand('STATE', prepareKeyValueMessage(name, value))
  } else {
    issueCommand('save-state', { name }, value)
  }
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? ''
}

export function isDebug(): boolean {
  return process.env.RUNNER_DEBUG === '1'
}

export function info(message: string): void {
  process.stdout.write(message + EOL)
}

export function debug(message: string): void {
  issueCommand('debug', {}, message)
}

export function warning(message: string, properties: AnnotationProperties = {}): void {
  issueCommand('warning', toCommandProperties(properties), message)
}

export function error(message: string, properties: AnnotationProperties = {}): void {
  issueCommand('error', toCommandProperties(properties), message)
}

export function setFailed(message: string, properties: AnnotationProperties = {}): void {
  process.exitCode = 1
  error(message, properties)
}

/** Appends markdown to the job summary; a no-op outside the runner (no GITHUB_STEP_SUMMARY). */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (file) await appendFile(file, markdown + EOL)
}
