/**
 * Counters and a bounded request log, so tests and benchmarks can assert how many calls a client
 * made (retries included) and with which parameters.
 */
import type { SessionTag } from './credentials.js'
import type { FaultKind } from './faults.js'

export type CountedAction =
  'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'GetCallerIdentity' | 'ListBuckets' | 'idToken'

export interface EmulatorStats {
  /** Every request except the control endpoints. */
  requests: number
  AssumeRole: number
  AssumeRoleWithWebIdentity: number
  GetCallerIdentity: number
  ListBuckets: number
  idToken: number
  jwks: number
  /** Unknown STS actions, unknown paths. */
  other: number
  /** Faults actually injected, by kind. */
  faults: Record<FaultKind, number>
  /** Error responses by AWS error code (faults included). */
  errors: Record<string, number>
  /**
   * TCP connections from clients (control endpoints included): open now, and the most open at
   * once since start or the last reset. Fan-out runs read `peak` to see how many legs were in
   * flight together.
   */
  connections: { open: number; peak: number }
}

/** One request as the emulator understood it: parsed parameters plus how it was answered. */
export interface RecordedRequest {
  action: string
  /** Emulator-clock ISO time. */
  at: string
  method: string
  path: string
  /** Access key ID from the SigV4 scope (signed requests). */
  accessKeyId?: string
  /** Resolved caller identity ARN (signed requests that verified). */
  callerArn?: string
  /** Region from the SigV4 scope, or the emulator default for unsigned requests. */
  region?: string
  roleArn?: string
  roleSessionName?: string
  durationSeconds?: number
  externalId?: string
  sourceIdentity?: string
  policy?: string
  policyArns: string[]
  tags: SessionTag[]
  transitiveTagKeys: string[]
  webIdentityToken?: string
  /** ID-token requests: the requested audience. */
  audience?: string
  /** Every form/query parameter as received. */
  params: Record<string, string>
  userAgent?: string
  status?: number
  errorCode?: string
  fault?: FaultKind
}

const COUNTED = new Set<string>([
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'GetCallerIdentity',
  'ListBuckets',
  'idToken'
])

function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    AssumeRole: 0,
    AssumeRoleWithWebIdentity: 0,
    GetCallerIdentity: 0,
    ListBuckets: 0,
    idToken: 0,
    jwks: 0,
    other: 0,
    faults: {
      throttle: 0,
      serverError: 0,
      stall: 0,
      reset: 0,
      truncatedXml: 0,
      malformedBody: 0,
      missingCredentials: 0,
      idTokenFailure: 0,
      identityProviderError: 0,
      bareError: 0,
      hostile: 0
    },
    errors: {},
    connections: { open: 0, peak: 0 }
  }
}

export class StatsRecorder {
  private counters = emptyStats()
  private readonly last = new Map<string, RecordedRequest>()
  private readonly log: RecordedRequest[] = []

  constructor(private readonly logLimit = 500) {}

  /** Counts a request and remembers it; the record is updated in place as handling proceeds. */
  begin(record: RecordedRequest): RecordedRequest {
    this.counters.requests++
    if (COUNTED.has(record.action)) this.counters[record.action as CountedAction]++
    else if (record.action === 'jwks') this.counters.jwks++
    else this.counters.other++
    this.last.set(record.action, record)
    this.log.push(record)
    if (this.log.length > this.logLimit) this.log.shift()
    return record
  }

  fault(kind: FaultKind): void {
    this.counters.faults[kind]++
  }

  error(code: string): void {
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1
  }

  connectionOpened(): void {
    const c = this.counters.connections
    c.open++
    c.peak = Math.max(c.peak, c.open)
  }

  connectionClosed(): void {
    this.counters.connections.open--
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.counters)
  }

  reset(): void {
    const { open } = this.counters.connections
    this.counters = emptyStats()
    // Sockets open across a reset still count: the peak restarts from what is open now.
    this.counters.connections = { open, peak: open }
    this.last.clear()
    this.log.length = 0
  }

  lastRequest(action: string): RecordedRequest | undefined {
    const r = this.last.get(action)
    return r && structuredClone(r)
  }

  requests(): RecordedRequest[] {
    return structuredClone(this.log)
  }
}
