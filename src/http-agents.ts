/**
 * The HTTP agents every call of the action uses (STS, and GitHub's ID-token endpoint): Node 24.5
 * added proxy support to its own agents (`proxyEnv`), so no proxy package is needed. On older Node
 * a proxy from the http-proxy input is an error; one inherited from HTTPS_PROXY is ignored, as the
 * SDK itself ignores it.
 */
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { InputError } from './rules/input-error.js'
import type { Settings } from './settings.js'

export interface Agents {
  httpAgent?: HttpAgent
  httpsAgent?: HttpsAgent
}

export function proxyAgents(proxy: Settings['proxy']): Agents {
  if (!proxy.url) return {}
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  if (major < 24 || (major === 24 && minor < 5)) {
    if (proxy.fromInput) {
      throw new InputError(
        'http-proxy',
        `needs Node.js 24.5 or later (this is ${process.versions.node}).`
      )
    }
    return {}
  }
  const proxyEnv = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: proxy.noProxy ?? '' }
  // @types/node for Node 20 does not know `proxyEnv` yet; the version check above guarantees it.
  const options = { keepAlive: true, proxyEnv } as ConstructorParameters<typeof HttpsAgent>[0]
  return { httpAgent: new HttpAgent(options), httpsAgent: new HttpsAgent(options) }
}
