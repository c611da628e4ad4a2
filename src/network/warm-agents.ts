/**
 * The HTTP agents that hand the early connections of network/preconnect.ts to the first request for the
 * same protocol, host and port; every other request connects as the agents always do. Loaded with
 * the SDK, after the sockets are open: node:http and node:https are not needed to open them.
 */
import { Agent as HttpAgent, type AgentOptions, type ClientRequestArgs } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import type { Duplex } from 'node:stream'
import type { Agents } from './http-agents.js'
import type { WarmSockets } from './preconnect.js'

/** The SDK request handler's own agent settings (@smithy/node-http-handler resolveDefaultConfig). */
const SDK_AGENT_OPTIONS: AgentOptions = { keepAlive: true, maxSockets: 50 }

type Callback = (error: Error | null, stream: Duplex) => void

/**
 * Agent.createConnection, with the warm socket for the same protocol, host and port if there is
 * one and it is sound; otherwise the agent's own connection, exactly as without this module.
 * Node's Agent accepts the socket through the callback (it always passes one).
 */
function connectWarm(
  warm: WarmSockets,
  protocol: string,
  options: ClientRequestArgs,
  callback: Callback | undefined,
  fresh: (options: ClientRequestArgs, callback?: Callback) => Duplex | null | undefined
): Duplex | null | undefined {
  if (!callback || !warm.has(protocol, options)) return fresh(options, callback)
  warm.take(protocol, options, socket => {
    if (socket) return callback(null, socket)
    let created: Duplex | null | undefined
    try {
      created = fresh(options, callback)
    } catch (error) {
      return callback(error as Error, undefined as unknown as Duplex)
    }
    if (created) callback(null, created)
  })
  return undefined
}

class WarmHttpsAgent extends HttpsAgent {
  constructor(private readonly warm: WarmSockets) {
    super(SDK_AGENT_OPTIONS)
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: Callback
  ): Duplex | null | undefined {
    return connectWarm(this.warm, 'https:', options, callback, (o, c) =>
      super.createConnection(o, c)
    )
  }
}

class WarmHttpAgent extends HttpAgent {
  constructor(private readonly warm: WarmSockets) {
    super(SDK_AGENT_OPTIONS)
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: Callback
  ): Duplex | null | undefined {
    return connectWarm(this.warm, 'http:', options, callback, (o, c) =>
      super.createConnection(o, c)
    )
  }
}

/** Agents for the SDK's request handler and the ID-token request, in place of its defaults. */
export function warmAgents(sockets: WarmSockets): Agents {
  return { httpAgent: new WarmHttpAgent(sockets), httpsAgent: new WarmHttpsAgent(sockets) }
}
