/**
 * Fault injection. Knobs are set at runtime and consulted once per request; each one is bounded
 * (a count, a maximum, or a time limit) so a test that forgets to clear it still terminates.
 * Probabilistic knobs draw from a seeded PRNG so a run is reproducible.
 */

import { DEFAULT_HOSTILE_COUNT, type HostileSettings } from './hostile.js'

/** Which endpoint a knob applies to. `all` also covers S3. */
export type FaultTarget = 'sts' | 'oidc' | 'all'

export interface FaultScope {
  /** Default `sts` (the ID-token knobs default to `oidc`). */
  target?: FaultTarget
  /** Only these actions (e.g. `['AssumeRole']`; the ID-token endpoint is `idToken`). */
  actions?: string[]
}

export interface FaultSettings {
  /** PRNG seed for `throttle.rate` (default 1). */
  seed?: number
  /** Added before every response (every endpoint), on top of the start-up latency. */
  latencyMs?: number
  /** `Throttling` 400 "Rate exceeded" on a `rate` fraction of requests, at most `max` times. */
  throttle?: FaultScope & { rate?: number; max?: number }
  /** `count` InternalFailure 500 / ServiceUnavailable 503 responses, then recover. */
  serverErrors?: FaultScope & { count: number; status?: 500 | 503 }
  /** Accept, read, never answer; after `ms` (default 10 000) the socket is destroyed. */
  stall?: FaultScope & { count?: number; ms?: number }
  /** Send the head and half the body of the real answer, then reset the TCP connection. */
  reset?: FaultScope & { count?: number }
  /** A 200 whose XML (the real answer) is cut in half, with a matching Content-Length. */
  truncatedXml?: FaultScope & { count?: number }
  /** A non-XML body (`status` default 200). */
  malformedBody?: FaultScope & { count?: number; status?: number; body?: string }
  /** A successful STS answer without its `<Credentials>` element. */
  missingCredentials?: FaultScope & { count?: number }
  /** The ID-token endpoint fails `count` times (status default 500), then works. */
  idTokenFailures?: { count: number; status?: number }
  /**
   * AssumeRoleWithWebIdentity fails `count` times as when STS cannot reach the identity provider,
   * then works: `IDPCommunicationError` (default), or `InvalidIdentityToken` with the message STS
   * gives when it cannot fetch the issuer's keys. Both 400 Sender (botocore's STS model,
   * IDPCommunicationErrorException and InvalidIdentityTokenException).
   */
  identityProviderErrors?: {
    count: number
    code?: 'IDPCommunicationError' | 'InvalidIdentityToken'
  }
  /**
   * Errors without AWS's `<ErrorResponse>` wrapper: `<Error><Code/><Message></Message></Error>`.
   * With `code` (may be empty or made up) every matching request fails that way; without it,
   * only genuine STS errors are re-rendered bare. `count` defaults to 1.
   */
  bareErrors?: FaultScope & { count?: number; code?: string; message?: string; status?: number }
  /**
   * A hostile answer (hostile.ts): fields carrying line breaks and workflow commands, a dripping
   * or huge body, a redirect, non-XML, a broken ID token. Applied to the real reply, after the
   * other knobs; `count` defaults to 100.
   */
  hostile?: FaultScope & HostileSettings
}

export type FaultKind =
  | 'throttle'
  | 'serverError'
  | 'stall'
  | 'reset'
  | 'truncatedXml'
  | 'malformedBody'
  | 'missingCredentials'
  | 'idTokenFailure'
  | 'identityProviderError'
  | 'bareError'
  | 'hostile'

export type FaultDecision =
  | { kind: 'throttle' }
  | { kind: 'serverError'; status: 500 | 503 }
  | { kind: 'stall'; ms: number }
  | { kind: 'reset' }
  | { kind: 'truncatedXml' }
  | { kind: 'malformedBody'; status: number; body: string }
  | { kind: 'missingCredentials' }
  | { kind: 'idTokenFailure'; status: number }
  | { kind: 'identityProviderError'; code: 'IDPCommunicationError' | 'InvalidIdentityToken' }
  | { kind: 'bareError'; code: string; message: string; status: number }

export type Endpoint = 'sts' | 'oidc' | 's3'

/** mulberry32: tiny, seedable, good enough to pick which requests to throttle. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const DEFAULT_THROTTLE_MAX = 100
const DEFAULT_STALL_MS = 10_000

export class FaultInjector {
  private settings: FaultSettings = {}
  /** Remaining budget per knob, reset whenever that knob is (re)set. */
  private remaining = new Map<FaultKind, number>()
  private random = prng(1)

  constructor(private readonly baseLatencyMs = 0) {}

  /** Merges knobs into the current set; a knob given as `undefined` is removed. */
  set(partial: FaultSettings): void {
    this.settings = { ...this.settings, ...partial }
    // Reseeding whenever throttling is (re)configured makes each configuration reproducible.
    if (partial.seed !== undefined || 'throttle' in partial)
      this.random = prng(this.settings.seed ?? 1)
    const budget = (kind: FaultKind, value: number | undefined, present: boolean): void => {
      if (present) this.remaining.set(kind, value ?? 1)
      else this.remaining.delete(kind)
    }
    const s = this.settings
    if ('throttle' in partial)
      budget('throttle', s.throttle?.max ?? DEFAULT_THROTTLE_MAX, !!s.throttle)
    if ('serverErrors' in partial) budget('serverError', s.serverErrors?.count, !!s.serverErrors)
    if ('stall' in partial) budget('stall', s.stall?.count, !!s.stall)
    if ('reset' in partial) budget('reset', s.reset?.count, !!s.reset)
    if ('truncatedXml' in partial) budget('truncatedXml', s.truncatedXml?.count, !!s.truncatedXml)
    if ('malformedBody' in partial)
      budget('malformedBody', s.malformedBody?.count, !!s.malformedBody)
    if ('missingCredentials' in partial)
      budget('missingCredentials', s.missingCredentials?.count, !!s.missingCredentials)
    if ('idTokenFailures' in partial)
      budget('idTokenFailure', s.idTokenFailures?.count, !!s.idTokenFailures)
    if ('identityProviderErrors' in partial) {
      budget('identityProviderError', s.identityProviderErrors?.count, !!s.identityProviderErrors)
    }
    if ('bareErrors' in partial) budget('bareError', s.bareErrors?.count, !!s.bareErrors)
    if ('hostile' in partial) {
      budget('hostile', s.hostile?.count ?? DEFAULT_HOSTILE_COUNT, !!s.hostile)
    }
  }

  /** The hostile answer for this request, if the knob applies and has budget left. */
  takeHostile(endpoint: Endpoint, action: string): HostileSettings | undefined {
    const hostile = this.settings.hostile
    return hostile && this.applies(hostile, endpoint, action) && this.take('hostile')
      ? hostile
      : undefined
  }

  clear(): void {
    this.settings = {}
    this.remaining.clear()
    this.random = prng(1)
  }

  current(): FaultSettings {
    return structuredClone(this.settings)
  }

  latencyMs(): number {
    return this.baseLatencyMs + (this.settings.latencyMs ?? 0)
  }

  private applies(scope: FaultScope | undefined, endpoint: Endpoint, action: string): boolean {
    if (!scope) return false
    const target = scope.target ?? 'sts'
    if (target !== 'all' && target !== endpoint) return false
    return !scope.actions || scope.actions.includes(action)
  }

  /** Spends one unit of a knob's budget; false when it is exhausted. */
  private take(kind: FaultKind): boolean {
    const left = this.remaining.get(kind) ?? 0
    if (left <= 0) return false
    this.remaining.set(kind, left - 1)
    return true
  }

  /** The fault (at most one) to inject for this request, in a fixed priority order. */
  decide(endpoint: Endpoint, action: string): FaultDecision | undefined {
    const s = this.settings
    if (endpoint === 'oidc' && s.idTokenFailures && this.take('idTokenFailure')) {
      return { kind: 'idTokenFailure', status: s.idTokenFailures.status ?? 500 }
    }
    if (
      endpoint === 'sts' &&
      action === 'AssumeRoleWithWebIdentity' &&
      s.identityProviderErrors &&
      this.take('identityProviderError')
    ) {
      return {
        kind: 'identityProviderError',
        code: s.identityProviderErrors.code ?? 'IDPCommunicationError'
      }
    }
    if (this.applies(s.stall, endpoint, action) && this.take('stall')) {
      return { kind: 'stall', ms: s.stall?.ms ?? DEFAULT_STALL_MS }
    }
    if (this.applies(s.reset, endpoint, action) && this.take('reset')) return { kind: 'reset' }
    if (this.applies(s.serverErrors, endpoint, action) && this.take('serverError')) {
      return { kind: 'serverError', status: s.serverErrors?.status ?? 500 }
    }
    if (this.applies(s.throttle, endpoint, action)) {
      // Draw only when the budget allows, so the sequence depends on the seed alone.
      if ((this.remaining.get('throttle') ?? 0) > 0 && this.random() < (s.throttle?.rate ?? 1)) {
        this.take('throttle')
        return { kind: 'throttle' }
      }
    }
    if (this.applies(s.malformedBody, endpoint, action) && this.take('malformedBody')) {
      return {
        kind: 'malformedBody',
        status: s.malformedBody?.status ?? 200,
        body: s.malformedBody?.body ?? 'upstream connect error or disconnect/reset before headers'
      }
    }
    if (this.applies(s.truncatedXml, endpoint, action) && this.take('truncatedXml')) {
      return { kind: 'truncatedXml' }
    }
    if (this.applies(s.missingCredentials, endpoint, action) && this.take('missingCredentials')) {
      return { kind: 'missingCredentials' }
    }
    const bare = s.bareErrors
    if (
      bare?.code !== undefined &&
      this.applies(bare, endpoint, action) &&
      this.take('bareError')
    ) {
      return {
        kind: 'bareError',
        code: bare.code,
        message: bare.message ?? '',
        status: bare.status ?? 400
      }
    }
    return undefined
  }

  /** In "re-render genuine errors bare" mode: should this error response lose its wrapper? */
  takeBareRewrite(endpoint: Endpoint, action: string): boolean {
    const bare = this.settings.bareErrors
    return (
      bare !== undefined &&
      bare.code === undefined &&
      this.applies(bare, endpoint, action) &&
      this.take('bareError')
    )
  }
}
