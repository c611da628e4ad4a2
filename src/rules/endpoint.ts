/**
 * Rules for the URLs the action talks through: the STS endpoint (from sts-endpoint,
 * AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the shared config profile), the proxy (http-proxy,
 * HTTPS_PROXY, HTTP_PROXY and their lowercase forms) and the one cleartext rule.
 */
import { InputError, hasControlCharacter, quote } from './input-error.js'

/**
 * A rule broken by an input or by what stands in for it: an environment variable
 * (`HTTPS_PROXY` for http-proxy, `AWS_ENDPOINT_URL_STS` for sts-endpoint), named as
 * runner/environment-inputs.ts names one, or the shared config profile. `setting` is the input's name,
 * the variable's (upper case), a phrase starting with "endpoint_url in" or anything else (a
 * launcher's stored config), which is named as it is.
 */
export class SettingError extends InputError {
  constructor(setting: string, rule: string, input = 'sts-endpoint') {
    const isInput = /^[a-z][a-z0-9-]*$/.test(setting)
    // Variables have an underscore (HTTPS_PROXY, https_proxy); inputs never do.
    const from = /^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+$/.test(setting)
      ? `the environment variable ${setting}`
      : setting.startsWith('endpoint_url in ')
        ? setting
        : undefined
    super(isInput ? setting : input, rule)
    if (from) this.message = `Input '${input}' (from ${from}) ${rule}`
    else if (!isInput) this.message = `${setting} ${rule}`
  }
}
/** Where the STS endpoint came from, as errors and the warning name it. */
export type EndpointOrigin =
  | 'sts-endpoint'
  | 'AWS_ENDPOINT_URL_STS'
  | 'AWS_ENDPOINT_URL'
  | `the shared config profile ${string}`

/** The setting errors name for an origin: the input, the variable, or the profile's entry. */
function settingName(origin: string): string {
  return origin.startsWith('the shared config') ? `endpoint_url in ${origin}` : origin
}

/** 127.0.0.0/8, ::1 and localhost, as the URL parser normalises them (bracketed or bare IPv6). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true
  // The parser turns 127.1, 0x7f.1 and 2130706433 into dotted decimal, so one form suffices.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/**
 * STS endpoint: an http(s) URL without user:password (which would end up in logs and errors).
 * Whether cleartext is allowed depends on what is sent (`checkCleartext`), not on the URL alone.
 */
export function parseStsEndpoint(origin: string, value: string): string {
  const name = settingName(origin)
  const shape = `must be an http:// or https:// URL; got ${quote(value)}.`
  // URL parsing silently drops tabs and line breaks; the value we pass on must be what was checked.
  if (/\s/.test(value) || hasControlCharacter(value)) throw new SettingError(name, shape)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new SettingError(name, shape)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SettingError(name, shape)
  if (url.username || url.password) {
    throw new SettingError(
      name,
      'must not carry a user name or password in the URL (value not shown).'
    )
  }
  return value
}

/** The example configure-aws-credentials' README gives; errors show it instead of the value. */
const PROXY_EXAMPLE = 'http://proxy.example.com:3128 or http://user:password@proxy.example.com:3128'

/**
 * A proxy: http:// or https:// to any host (through a CONNECT proxy TLS runs end to end with
 * certificate checks; the proxy sees host names only), with or without user:password, which
 * Node's agents send as Proxy-Authorization. A proxy URL may carry a password, so no error about
 * one ever shows the value, not even part of it.
 */
export function parseProxyUrl(setting: string, value: string): string {
  const refuse = (why: string): never => {
    throw new SettingError(
      setting,
      `${why} (value not shown: it may hold a password).`,
      'http-proxy'
    )
  }
  const shape = `must be an http:// or https:// URL such as ${PROXY_EXAMPLE}`
  if (/\s/.test(value) || hasControlCharacter(value)) {
    refuse('must be an http:// or https:// URL without spaces, line breaks or control characters')
  }
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    refuse(shape)
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return refuse(shape)
  if (!url.hostname) refuse(`${shape}; it names no host`)
  // Node decodes the user info for Proxy-Authorization; a broken escape would throw there.
  try {
    decodeURIComponent(url.username)
    decodeURIComponent(url.password)
  } catch {
    refuse(
      'must be an http:// or https:// URL whose user name and password are %-escaped correctly'
    )
  }
  return value
}

/**
 * The secrets of a proxy URL as any line could show them: the whole `user:password` and the
 * password, as written and %-decoded. Read without a URL parser so that a malformed value is
 * covered too: everything between `//` and the last `@` before the host.
 */
export function proxySecrets(value: string): string[] {
  const match = /^[^:/]*:\/\/([^/?#]*)@/.exec(value.trim())
  const userInfo = match?.[1]
  if (!userInfo) return []
  const colon = userInfo.indexOf(':')
  const password = colon >= 0 ? userInfo.slice(colon + 1) : ''
  const secrets = new Set<string>([userInfo])
  if (password) secrets.add(password)
  for (const secret of [...secrets]) {
    try {
      secrets.add(decodeURIComponent(secret))
    } catch {
      // A broken escape: the raw form is masked, and parseProxyUrl refuses the value.
    }
  }
  return [...secrets].filter(secret => secret !== '')
}

/** What a request over this endpoint carries, for the cleartext rule. */
export type Carries = 'id-token' | 'signed-request'

/**
 * The one cleartext rule, applied to the endpoint STS calls actually go to, whatever chose it.
 * https, or http to this machine: always. http off this machine: never with an ID token (GitHub's
 * or a token file's, replayable against AWS for minutes); with signed requests (access keys,
 * LocalStack, an in-house STS-compatible server) allowed, and the returned warning says the
 * answer's credentials cross the network in cleartext.
 */
export function checkCleartext(
  endpoint: string,
  origin: string,
  carries: Carries
): string | undefined {
  const url = new URL(endpoint)
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return undefined
  if (carries === 'id-token') {
    throw new SettingError(
      settingName(origin),
      `is ${quote(endpoint)}: the web identity token would cross the network in cleartext. Use an https:// endpoint (cleartext http:// is allowed with an ID token only to this machine: 127.0.0.0/8, ::1, localhost).`
    )
  }
  return `The STS endpoint ${endpoint} (from ${settingName(origin)}) is cleartext http://: the session credentials it answers with cross the network unencrypted.`
}

/**
 * GitHub's ID-token request URL (ACTIONS_ID_TOKEN_REQUEST_URL, or the one a credential_process
 * launcher stored): the request carries the runner's bearer token and the answer the ID token, so
 * https, or http to this machine only. Never echoes the URL: its query may carry run details.
 */
export function checkTokenRequestUrl(value: string): void {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  const fine =
    url !== undefined &&
    !url.username &&
    !url.password &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))
  if (!fine) {
    throw new SettingError(
      'The ID-token request URL (ACTIONS_ID_TOKEN_REQUEST_URL)',
      'must be an https:// URL (http:// only to this machine) without user info: it carries the request token and the ID token (value not shown).'
    )
  }
}
