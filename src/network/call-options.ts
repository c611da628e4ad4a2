/**
 * How every network call of the action is made (STS and GitHub's ID-token endpoint alike): its
 * retry strategy, the bound on each attempt, the shared agents, and the one HTTP handler they make.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { boundedHandler } from './bounded-http.js'
import type { Agents } from './http-agents.js'
import type { TransientOnlyRetry } from './retry.js'

/** A connection that takes longer than this is a fault worth a retry, whatever the attempt's bound. */
const CONNECT_TIMEOUT_MS = 5_000

export interface CallOptions {
  retry: TransientOnlyRetry
  /** Each attempt's bound, body included (network/bounded-http.ts). */
  attemptTimeoutMs: number
  /** The shared agents (proxy, early connections); the platform's defaults when absent. */
  agents?: Agents
}

/** The SDK's HTTP/1.1 handler with the attempt's timeouts and agents, bounded in time and bytes. */
export function callHandler(
  endpoint: string,
  options: CallOptions
): ReturnType<typeof boundedHandler> {
  const { attemptTimeoutMs, agents = {} } = options
  return boundedHandler(
    new NodeHttpHandler({
      connectionTimeout: Math.min(CONNECT_TIMEOUT_MS, attemptTimeoutMs),
      requestTimeout: attemptTimeoutMs,
      // Without this the SDK only logs a warning when an attempt stalls past requestTimeout.
      throwOnRequestTimeout: true,
      ...agents
    }),
    { endpoint, deadlineMs: attemptTimeoutMs }
  )
}
