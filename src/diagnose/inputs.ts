/** Diagnosis of a bad input: refused by a rule before any call, so nothing was sent or exported. */
import { markdownText } from '../runner/log-text.js'
import { InputError } from '../rules/input-error.js'
import type { Cause } from './cause.js'
import { section } from './text.js'

export const invalidInput: Cause = {
  matches: ({ error }) => error instanceof InputError,
  explain: ({ error }) => {
    const { input, message } = error as InputError
    return {
      title: `Invalid input: ${input}`,
      message,
      details: section('Invalid input', [
        markdownText(message),
        'Nothing was sent to AWS and nothing was exported.'
      ])
    }
  }
}
