/**
 * Environment variables that fill inputs left empty, so workflows written for
 * configure-aws-credentials (its `translateEnvVariables` in src/helpers.ts: ROLE_TO_ASSUME,
 * ROLE_DURATION_SECONDS, …, inputs first) and for the older docker action the project's seed
 * workflow uses (ROLE_ARN, ROLE_SESSION_NAME, DURATION_SECONDS, keys in AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY) run unchanged. Pure: the environment is passed in.
 *
 * Not here because they are already read the same way: HTTPS_PROXY over HTTP_PROXY for
 * http-proxy, and NO_PROXY (inputs/network.ts); AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, which
 * are the credentials already in the job (sources/environment.ts).
 */
import type { InputReader } from './input-reader.js'

/** Input → the variables that may fill it, in order; configure-aws-credentials' names first. */
export const INPUT_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  // AWS_DEFAULT_REGION too: the AWS CLI's own variable, which the seed workflow sets.
  'aws-region': ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  'role-to-assume': ['ROLE_TO_ASSUME', 'ROLE_ARN'],
  'role-session-name': ['ROLE_SESSION_NAME'],
  'role-duration-seconds': ['ROLE_DURATION_SECONDS', 'DURATION_SECONDS'],
  'role-external-id': ['ROLE_EXTERNAL_ID'],
  audience: ['AUDIENCE'],
  'web-identity-token-file': ['WEB_IDENTITY_TOKEN_FILE'],
  'role-chaining': ['ROLE_CHAINING'],
  'mask-aws-account-id': ['MASK_AWS_ACCOUNT_ID'],
  'role-skip-session-tagging': ['ROLE_SKIP_SESSION_TAGGING'],
  'transitive-tag-keys': ['TRANSITIVE_TAG_KEYS'],
  'inline-session-policy': ['INLINE_SESSION_POLICY'],
  'managed-session-policies': ['MANAGED_SESSION_POLICIES'],
  'output-credentials': ['OUTPUT_CREDENTIALS'],
  'unset-current-credentials': ['UNSET_CURRENT_CREDENTIALS'],
  'disable-retry': ['DISABLE_RETRY'],
  'retry-max-attempts': ['RETRY_MAX_ATTEMPTS'],
  'special-characters-workaround': ['SPECIAL_CHARACTERS_WORKAROUND'],
  'use-existing-credentials': ['USE_EXISTING_CREDENTIALS'],
  'overwrite-aws-profile': ['OVERWRITE_AWS_PROFILE']
}

/** An input whose value came from an environment variable (the value itself is never kept here). */
export interface SuppliedInput {
  input: string
  variable: string
}

/**
 * A reader that answers an empty input from its variables; `supplied` lists, as inputs are read,
 * which variable gave which input (for the log, and for errors to name the variable).
 */
export function withEnvironmentInputs(
  reader: InputReader,
  env: NodeJS.ProcessEnv
): { reader: InputReader; supplied: SuppliedInput[] } {
  const supplied: SuppliedInput[] = []
  /** The variable's value for an input given empty (blank once trimmed), else the input as given. */
  const fill = (name: string, given: string): string => {
    if (given.trim() !== '') return given
    const variable = (INPUT_VARIABLES[name] ?? []).find(candidate => env[candidate])
    if (!variable) return given
    if (!supplied.some(entry => entry.input === name)) supplied.push({ input: name, variable })
    return env[variable] ?? ''
  }
  return {
    reader: {
      get: name => fill(name, reader.get(name)).trim(),
      raw: name => fill(name, reader.raw(name))
    },
    supplied
  }
}

/** The error's text names the variable when the input it blames came from one. */
export function nameVariable(error: unknown, supplied: SuppliedInput[]): unknown {
  const input = (error as { input?: unknown } | null)?.input
  const entry = supplied.find(candidate => candidate.input === input)
  if (entry && error instanceof Error) {
    error.message = error.message.replace(
      `Input '${entry.input}'`,
      `Input '${entry.input}' (from the environment variable ${entry.variable})`
    )
  }
  return error
}
