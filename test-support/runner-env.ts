/**
 * A stand-in for the GitHub runner around an in-process run: INPUT_* variables, the env/output/
 * state/summary files, and everything written to stdout, parsed the way the runner parses them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jest } from '@jest/globals'
import { RUN_ENV } from './github-context.js'
import { parseCommandFile } from './runner.js'

export interface RunnerFiles {
  dir: string
  env: string
  output: string
  state: string
  summary: string
}

export interface Captured {
  /** Every line written to stdout, in order. */
  lines: string[]
  files: RunnerFiles
}

const ORIGINAL_ENV = { ...process.env }

/**
 * Sets up a clean runner environment with the given inputs (names as in action.yml) and extra
 * variables; returns what a test needs to read the results. Call `restoreRunner` after each test.
 */
export function prepareRunner(
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {}
): Captured {
  for (const key of Object.keys(process.env)) {
    if (
      key.startsWith('INPUT_') ||
      key.startsWith('STATE_') ||
      key.startsWith('AWS_') ||
      key.startsWith('ACTIONS_') ||
      key.startsWith('GITHUB_') ||
      key === 'RUNNER_DEBUG'
    ) {
      Reflect.deleteProperty(process.env, key)
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'runner-'))
  const files: RunnerFiles = {
    dir,
    env: join(dir, 'env'),
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary')
  }
  for (const file of [files.env, files.output, files.state, files.summary]) writeFileSync(file, '')
  Object.assign(process.env, {
    GITHUB_ENV: files.env,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    ...RUN_ENV,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extraEnv
  })
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  const lines: string[] = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter(line => line !== '')
    )
    return true
  })
  process.exitCode = undefined
  return { lines, files }
}

export function restoreRunner(captured?: Captured): void {
  jest.restoreAllMocks()
  if (captured) rmSync(captured.files.dir, { recursive: true, force: true })
  for (const key of Object.keys(process.env)) {
    if (!(key in ORIGINAL_ENV)) Reflect.deleteProperty(process.env, key)
  }
  Object.assign(process.env, ORIGINAL_ENV)
  process.exitCode = undefined
}

export function readEnvFile(captured: Captured): Record<string, string> {
  return parseCommandFile(readFileSync(captured.files.env, 'utf8'))
}

export function readOutputs(captured: Captured): Record<string, string> {
  return parseCommandFile(readFileSync(captured.files.output, 'utf8'))
}

export function readState(captured: Captured): Record<string, string> {
  return parseCommandFile(readFileSync(captured.files.state, 'utf8'))
}

export function readSummary(captured: Captured): string {
  return readFileSync(captured.files.summary, 'utf8')
}

/** The ::error annotations printed. */
export function errors(captured: Captured): string[] {
  return captured.lines.filter(line => line.startsWith('::error'))
}

/**
 * Checks the runner's masking rule: every secret appears, if at all, only after a line
 * `::add-mask::<secret>` (and never in the add-mask line of another value). Returns the offending
 * lines, or [] when the log is safe.
 */
export function linesLeaking(lines: string[], secrets: string[]): string[] {
  const masked = new Set<string>()
  const leaks: string[] = []
  for (const line of lines) {
    if (line.startsWith('::add-mask::')) {
      masked.add(line.slice('::add-mask::'.length))
      continue
    }
    for (const secret of secrets) {
      if (secret && line.includes(secret) && !masked.has(secret)) leaks.push(line)
    }
  }
  return leaks
}
