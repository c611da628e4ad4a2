/**
 * The step's own deadline, action-timeout-s: an abort signal every call honours, counted from the
 * start of the process as the person who set it would count, and a backstop that fails the step
 * if something ignores the signal.
 */
import { setFailed } from './commands.js'

/** After action-timeout-s, this much grace for aborted calls to unwind before the process exits. */
const EXIT_GRACE_MS = 3_000

export function startDeadline(timeoutMs: number | undefined): AbortSignal {
  if (!timeoutMs) return new AbortController().signal
  // Unref'd, so it never delays a normal exit.
  setTimeout(() => {
    setFailed(
      `The step did not finish within action-timeout-s (${Math.round(timeoutMs / 1000)} s).`,
      { title: 'Timed out' }
    )
    process.exit(1)
  }, timeoutMs + EXIT_GRACE_MS).unref()
  return AbortSignal.timeout(Math.max(0, Math.floor(timeoutMs - performance.now())))
}
