/**
 * Diagnoses of answers that came back but cannot be used: an account outside allowed-account-ids,
 * an answer that is invalid, oversized, incomplete, a redirect, or unreadable.
 */
import { AccountNotAllowedError } from '../rules/allowed-accounts.js'
import { BadAnswerError } from '../network/answers.js'
import { ResponseTooLargeError } from '../network/bounded-http.js'
import { IncompleteResponseError } from '../network/sts.js'
import type { Cause } from './cause.js'
import { httpStatusOf } from './sts-errors.js'
import { printableCode, simple } from './text.js'

/** The session is for an account the workflow did not allow. */
export const accountNotAllowed: Cause = {
  matches: ({ error }) => error instanceof AccountNotAllowedError,
  explain: ({ message }) =>
    simple(
      'Account not allowed',
      `${message} Nothing was exported. Check role-to-assume, or add the account to allowed-account-ids if it is intended.`
    )
}

export const badAnswer: Cause = {
  matches: ({ error }) => error instanceof BadAnswerError,
  explain: ({ error }) => {
    const { endpoint, message } = error as BadAnswerError
    return simple(
      `${endpoint} sent an invalid answer`,
      `${message} Nothing was exported or written. Check sts-endpoint and the proxy: something other than the real service may be answering.`
    )
  }
}

export const oversizedAnswer: Cause = {
  matches: ({ error }) => error instanceof ResponseTooLargeError,
  explain: ({ error }) => {
    const { endpoint, message } = error as ResponseTooLargeError
    return simple(
      `${endpoint} sent an oversized answer`,
      `${message} Nothing was exported or written. Check sts-endpoint and the proxy.`
    )
  }
}

export const incompleteAnswer: Cause = {
  matches: ({ error }) => error instanceof IncompleteResponseError,
  explain: ({ message }) =>
    simple('STS answered without credentials', `${message} Check sts-endpoint, or try again.`)
}

export const redirect: Cause = {
  matches: ({ error }) => isStatusIn(httpStatusOf(error), 300, 400),
  explain: ({ error }) =>
    simple(
      'STS answered with a redirect',
      `STS answered HTTP ${httpStatusOf(error)} (a redirect); redirects are never followed, so no request or token goes to another host. Check sts-endpoint.`
    )
}

/** A 2xx the SDK could not parse. The text of a parse failure can quote the answer: not shown. */
export const unreadableAnswer: Cause = {
  matches: ({ error }) => isStatusIn(httpStatusOf(error), 200, 300),
  explain: ({ error, code }) =>
    simple(
      'STS sent an answer that could not be read',
      `STS answered HTTP ${httpStatusOf(error)} with a body that is not a valid STS answer (${printableCode(code)}), on every attempt. Check sts-endpoint and the proxy: something other than STS may be answering.`
    )
}

function isStatusIn(status: number | undefined, from: number, to: number): boolean {
  return status !== undefined && status >= from && status < to
}
