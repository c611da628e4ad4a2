/**
 * From a failure to what a person can act on: a title, one sentence with the cause and the fix
 * (the ::error annotation), and details with policies to paste (the step summary). Pure: it reads
 * the error, the plan, the environment, the run's context and the ID token's decoded claims, and
 * makes no call. The caller redacts the result. `message` is plain text (the writers neutralise
 * it); in `details`, every sentence carrying outside text goes through `markdownText`.
 *
 * The causes are tried in the order of CAUSES; the first that matches explains the failure.
 */
import { errorCode } from '../network/error-code.js'
import {
  accountNotAllowed,
  badAnswer,
  incompleteAnswer,
  oversizedAnswer,
  redirect,
  unreadableAnswer
} from './answers.js'
import {
  assumeRoleDenied,
  chainedDurationTooLong,
  durationAboveRoleMaximum,
  partitionMismatch,
  regionDisabled,
  sourceIdentityDenied,
  tagSessionDenied
} from './assume-role.js'
import type { Cause, Diagnosis, Failure, FailureContext } from './cause.js'
import { noCredentials, sourceKeysRejected } from './credentials.js'
import { fileSystemFailed } from './files.js'
import { invalidInput } from './inputs.js'
import { attemptTimedOut, stepTimedOut, stsUnreachable } from './network.js'
import {
  identityProviderUnreachable,
  idTokenRefused,
  invalidIdentityToken,
  webIdentityDenied,
  webIdentityTokenExpired
} from './oidc.js'
import { httpStatusOf, stsCodeOf } from './sts-errors.js'
import { printableCode, simple } from './text.js'

export type { Diagnosis, FailureContext, TokenClaims } from './cause.js'

/**
 * Our own errors first (they say exactly what happened), then the step's deadline (whatever a cut
 * call reported, time ran out), then STS's codes from the most specific to the most general, then
 * what the HTTP answer alone tells.
 */
const CAUSES: Cause[] = [
  invalidInput,
  fileSystemFailed,
  accountNotAllowed,
  badAnswer,
  oversizedAnswer,
  stepTimedOut,
  attemptTimedOut,
  noCredentials,
  idTokenRefused,
  identityProviderUnreachable,
  partitionMismatch,
  tagSessionDenied,
  sourceIdentityDenied,
  webIdentityDenied,
  assumeRoleDenied,
  invalidIdentityToken,
  webIdentityTokenExpired,
  chainedDurationTooLong,
  durationAboveRoleMaximum,
  sourceKeysRejected,
  regionDisabled,
  incompleteAnswer,
  stsUnreachable,
  redirect,
  unreadableAnswer
]

export function diagnose(error: unknown, context: FailureContext): Diagnosis {
  const failure = readFailure(error, context)
  const cause = CAUSES.find(entry => entry.matches(failure))
  return cause ? cause.explain(failure) : unexplained(failure)
}

function readFailure(error: unknown, context: FailureContext): Failure {
  const shape = typeof error === 'object' && error !== null ? error : {}
  const { name, message } = shape as { name?: unknown; message?: unknown }
  const kind = context.settings?.source.kind
  return {
    ...context,
    error,
    stsCode: stsCodeOf(error),
    // A bare <Error> from an STS-compatible server: the SDK says Unknown, the body names the code.
    code: errorCode(error) ?? (typeof name === 'string' ? name : undefined) ?? 'Error',
    message: typeof message === 'string' ? message : String(error),
    webIdentity: kind === 'github-oidc' || kind === 'token-file'
  }
}

/** No cause matched: STS's code (or the error's name) and its text, as they are. */
function unexplained({ error, code, message }: Failure): Diagnosis {
  const shown = printableCode(code)
  const status = httpStatusOf(error)
  return simple(
    `STS call failed: ${shown}`,
    `${shown}${status ? ` (HTTP ${status})` : ''}: ${message}`
  )
}
