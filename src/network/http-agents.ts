/**
 * The HTTP agents every call of the action uses (STS, and GitHub's ID-token endpoint): Node 24.5
 * added proxy support to its own agents (`proxyEnv`): http:// and https:// proxies, CONNECT for
 * https targets, and user:password from the URL sent as Proxy-Authorization (Basic, %-decoded;
 * Node's lib/internal/http.js ProxyConfig). So no proxy package and no CONNECT code of our own.
 * On older Node a proxy from the http-proxy input is an error; one inherited from HTTPS_PROXY is
 * ignored, as the SDK itself ignores it. Loopback targets never go through the proxy.
 */
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { InputError } from '../rules/input-error.js'
import type { Settings } from '../settings.js'

export interface Agents {
  httpAgent?: HttpAgent
  httpsAgent?: HttpsAgent
}

/**
 * Added to every NO_PROXY: this machine, in the forms Node's matcher compares with the request's
 * host (exact names, and an IPv4 range for 127.0.0.0/8; it has no CIDR). A loopback peer is on
 * this machine, and a proxy elsewhere would reach its own loopback, or see the request in clear.
 */
export const LOOPBACK_NO_PROXY = ['localhost', '127.0.0.0-127.255.255.255', '::1', '[::1]']

/** The NO_PROXY Node's agents get: the user's list and this machine. */
export function noProxyList(noProxy: string | undefined): string {
  return [...(noProxy ? [noProxy] : []), ...LOOPBACK_NO_PROXY].join(',')
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
  const proxyEnv = {
    HTTPS_PROXY: proxy.url,
    HTTP_PROXY: proxy.url,
    NO_PROXY: noProxyList(proxy.noProxy)
  }
  // @types/node for Node 20 does not know `proxyEnv` yet; the version check above guarantees it.
  const options = { keepAlive: true, proxyEnv } as ConstructorParameters<typeof HttpsAgent>[0]
  return { httpAgent: new HttpAgent(options), httpsAgent: new HttpsAgent(options) }
}
