/** Diagnoses of time and reach: the step's deadline, one attempt's deadline, STS not reachable. */
import { AttemptTimeoutError } from '../network/bounded-http.js'
import type { Cause } from './cause.js'
import { isHandlerTimeout, systemCodeOf } from './sts-errors.js'
import { simple } from './text.js'

/**
 * The step's deadline fired: whatever the call reported as it was cut (an abort, a body cut
 * short), running out of time is the cause.
 */
export const stepTimedOut: Cause = {
  matches: ({ timeoutMs }) => timeoutMs !== undefined,
  explain: ({ timeoutMs }) =>
    simple(
      'Timed out',
      `The step did not finish within action-timeout-s (${Math.round((timeoutMs ?? 0) / 1000)} s); STS or the token endpoint did not answer in time. Raise action-timeout-s or check the network path to STS.`
    )
}

export const attemptTimedOut: Cause = {
  matches: ({ error }) => error instanceof AttemptTimeoutError,
  explain: ({ error }) => {
    const { endpoint, message } = error as AttemptTimeoutError
    return simple(
      `${endpoint} did not answer in time`,
      `${message} Each of the retry-max-attempts attempts is bounded as a whole, body included; check the network path and proxy, or raise action-timeout-s (each attempt gets a third of it, at most 10 s).`
    )
  }
}

const UNREACHABLE = new Set(['ENOTFOUND', 'ECONNREFUSED'])

export const stsUnreachable: Cause = {
  matches: ({ error }) => UNREACHABLE.has(systemCodeOf(error) ?? '') || isHandlerTimeout(error),
  explain: ({ error, code, settings }) => {
    const endpoint =
      settings?.stsEndpoint ?? `the STS endpoint of ${settings?.region ?? 'the region'}`
    return simple(
      'Could not reach STS',
      `Could not reach ${endpoint} (${systemCodeOf(error) ?? code}). Check sts-endpoint, the runner's network and proxy settings (http-proxy, no-proxy).`
    )
  }
}
