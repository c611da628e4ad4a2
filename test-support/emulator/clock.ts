/**
 * The emulator's notion of "now": real time plus an offset that tests can push forward, so
 * credential and ID-token expiry can be exercised without sleeping.
 */
export class EmulatorClock {
  private offsetMs = 0

  /**
   * When set, issued credentials expire after at most this many seconds regardless of the
   * requested DurationSeconds (the Expiration returned to the client says so too), so a test can
   * watch a client such as the AWS CLI refresh them.
   */
  credentialLifetimeSeconds: number | undefined

  constructor(credentialLifetimeSeconds?: number) {
    this.credentialLifetimeSeconds = credentialLifetimeSeconds
  }

  nowMs(): number {
    return Date.now() + this.offsetMs
  }

  now(): Date {
    return new Date(this.nowMs())
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000)
  }

  /** Moves the emulator's time forward (a negative value moves it back). */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000
  }

  reset(): void {
    this.offsetMs = 0
  }

  /** Lifetime actually granted for a session that asked for `requestedSeconds`. */
  grantedLifetime(requestedSeconds: number): number {
    const cap = this.credentialLifetimeSeconds
    return cap !== undefined && cap > 0 ? Math.min(cap, requestedSeconds) : requestedSeconds
  }
}
