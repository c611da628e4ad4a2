/** Rules for the URL inputs: sts-endpoint and http-proxy, which share one rule for safe URLs. */
import { InputError, hasControlCharacter, quote } from './input-error.js'

/**
 * An http(s) URL without user:password (which would end up in logs and errors), and https unless
 * it stays on this machine: the ID token (replayable against AWS for minutes) and the source keys'
 * signed requests must not cross a network in cleartext. Loopback http keeps tests and local peers
 * (a sidecar proxy) working.
 */
function parseSafeUrl(input: string, value: string): string {
  // URL parsing silently drops tabs and line breaks; the value we pass on must be what was checked.
  if (/\s/.test(value) || hasControlCharacter(value)) {
    throw new InputError(input, `must be an http:// or https:// URL; got ${quote(value)}.`)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(input, `must be an http:// or https:// URL; got ${quote(value)}.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(input, `must be an http:// or https:// URL; got ${quote(value)}.`)
  }
  if (url.username || url.password) {
    throw new InputError(
      input,
      `must not carry a user name or password in the URL (value not shown).`
    )
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new InputError(
      input,
      `must be an https:// URL: cleartext http:// is allowed only to this machine (127.0.0.0/8, ::1, localhost); got ${quote(value)}.`
    )
  }
  return value
}

/** 127.0.0.0/8, ::1 and localhost, as the URL parser normalises them. */
function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true
  // The parser turns 127.1, 0x7f.1 and 2130706433 into dotted decimal, so one form suffices.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/** sts-endpoint: where STS calls go instead of the region's endpoint. */
export function parseStsEndpoint(input: string, value: string): string {
  return parseSafeUrl(input, value)
}

/** http-proxy: the proxy AWS calls go through; it sees the same requests, so the same rule. */
export function parseProxyUrl(input: string, value: string): string {
  return parseSafeUrl(input, value)
}
