/**
 * The loopback HTTP server: routes requests to STS, S3 and the GitHub ID-token endpoint, counts
 * and logs them, and applies injected faults. Runs in-process, so clients that are child processes
 * must be spawned asynchronously (spawn/execFile, never spawnSync) or this event loop starves.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { EmulatorClock } from './clock.js'
import {
  CredentialStore,
  newRequestId,
  type Caller,
  type IssuedCredentials
} from './credentials.js'
import { FaultInjector, type Endpoint, type FaultDecision, type FaultSettings } from './faults.js'
import { hostileReply, sendHostile } from './hostile.js'
import { OidcIssuer, type ClaimOverrides, type MintOptions, type SubjectForm } from './oidc.js'
import { loadStsModel, validationMessage } from './model.js'
import { listBuckets, s3AuthError, s3NotImplemented } from './s3.js'
import { seedWorld } from './seed.js'
import { parseAuthorization, verifySigV4, type IncomingSignedRequest } from './sigv4.js'
import { StatsRecorder, type EmulatorStats, type RecordedRequest } from './stats.js'
import { parseStsParams, runStsAction, stsAuthError, StsError, type StsDeps } from './sts.js'
import type { World } from './world.js'
import { bareErrorXml, stsErrorXml, stsSuccessXml } from './xml.js'

export interface StartEmulatorOptions {
  /** Defaults to `seedWorld()`. The object is used live: later mutations take effect. */
  world?: World
  /** 0 (default) picks a free port. */
  port?: number
  /** Added to every response (benchmarks). */
  latencyMs?: number
  /** Region assumed for unsigned requests (default `us-east-1`). */
  region?: string
  /** Cap on issued credential lifetimes, e.g. 5 to watch clients refresh. */
  credentialLifetimeSeconds?: number
  /** Default ID-token lifetime (300 s, like GitHub's). */
  idTokenLifetimeSeconds?: number
  /** Faults active from the first request. */
  faults?: FaultSettings
  /** Claim overrides active from the first token. */
  idTokenClaims?: ClaimOverrides
  /** `sub` in GitHub's immutable form (default) or the legacy repo:OWNER/REPO form. */
  subjectForm?: SubjectForm
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`: pass as `endpoint` / `--endpoint-url`. */
  readonly url: string
  readonly port: number
  readonly region: string
  /** ACTIONS_ID_TOKEN_REQUEST_URL equivalent (`&audience=` gets appended by clients). */
  readonly oidcRequestUrl: string
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN equivalent. */
  readonly oidcRequestToken: string
  readonly jwksUrl: string
  /** Issuer the tokens carry (`https://token.actions.githubusercontent.com`). */
  readonly issuer: string
  readonly world: World
  readonly clock: EmulatorClock
  setFaults(faults: FaultSettings): void
  clearFaults(): void
  setIdTokenClaims(claims: ClaimOverrides): void
  /** The form of `sub` in later tokens (see SubjectForm). */
  setSubjectForm(form: SubjectForm): void
  mintIdToken(claims?: ClaimOverrides, opts?: MintOptions): Promise<string>
  stats(): EmulatorStats
  resetStats(): void
  lastRequest(action: string): RecordedRequest | undefined
  /** The last 500 requests, oldest first. */
  requestLog(): RecordedRequest[]
  /** Temporary credentials issued so far (secrets included: test support only). */
  issuedCredentials(): IssuedCredentials[]
  /**
   * Every secret this emulator has handed out or been sent: the ID-token request token, each
   * issued key ID, secret and session token, and each web identity token it received. Leak
   * checks scan for these.
   */
  secretsSeen(): string[]
  /** The path of botocore's STS model every request is checked against. */
  readonly stsModelPath: string
  /**
   * The STS requests the model refused so far ("Action: violation; …"), forgotten once taken. A
   * test that sends such a request on purpose takes them (and asserts them); close() fails when
   * any were not taken, so no test passes on a request real STS would refuse.
   */
  takeModelViolations(): string[]
  close(): Promise<void>
}

type Route =
  | { endpoint: 'oidc'; action: 'idToken' }
  | { endpoint: 'jwks'; action: 'jwks' }
  | { endpoint: 's3'; action: string }
  | { endpoint: 'sts'; action: string; params: URLSearchParams }
  | { endpoint: 'none'; action: 'notFound' }

interface Reply {
  status: number
  headers: Record<string, string>
  body: string
  errorCode?: string
}

const MAX_BODY = 1024 * 1024

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) reject(new Error('body too large'))
      else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** Lower-case names, repeats joined with ',' (SigV4's canonical form, unlike node's ', '). */
function combineHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i].toLowerCase()
    out[k] = k in out ? `${out[k]},${raw[i + 1]}` : raw[i + 1]
  }
  return out
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const k of new Set(params.keys())) {
    const all = params.getAll(k)
    out[k] = all.length === 1 ? all[0] : all
  }
  return out
}

function classify(method: string, url: URL, headers: Record<string, string>, body: Buffer): Route {
  const path = url.pathname
  if (path === '/oidc/token' && method === 'GET') return { endpoint: 'oidc', action: 'idToken' }
  if (
    path === '/.well-known/jwks' ||
    path === '/.well-known/jwks.json' ||
    path === '/.well-known/openid-configuration'
  ) {
    return { endpoint: 'jwks', action: 'jwks' }
  }
  const auth = parseAuthorization(headers['authorization'])
  const params = new URLSearchParams(url.search)
  if (method === 'POST') {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v)
  }
  const action = params.get('Action')
  if (auth?.service === 's3' || (action === null && method === 'GET')) {
    return { endpoint: 's3', action: method === 'GET' && path === '/' ? 'ListBuckets' : 'S3' }
  }
  if (path !== '/') return { endpoint: 'none', action: 'notFound' }
  return { endpoint: 'sts', action: action ?? 'MissingAction', params }
}

function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise(resolve => {
    const t = setTimeout(() => {
      timers.delete(t)
      resolve()
    }, ms)
    timers.add(t)
  })
}

export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<Emulator> {
  // AWS's definition of the inputs, loaded first: without it there is no emulator (never a skip).
  const model = loadStsModel()
  let modelViolations: string[] = []
  const world = opts.world ?? seedWorld()
  const region = opts.region ?? 'us-east-1'
  const clock = new EmulatorClock(opts.credentialLifetimeSeconds)
  const oidc = await OidcIssuer.create(clock, {
    idTokenLifetimeSeconds: opts.idTokenLifetimeSeconds
  })
  if (opts.idTokenClaims) oidc.setClaims(opts.idTokenClaims)
  if (opts.subjectForm) oidc.subjectForm = opts.subjectForm
  const store = new CredentialStore(world)
  const faults = new FaultInjector(opts.latencyMs ?? 0)
  if (opts.faults) faults.set(opts.faults)
  const stats = new StatsRecorder()
  const deps: StsDeps = { world, store, clock, oidc }
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let closed = false
  let baseUrl = ''

  const stsReply = (status: number, body: string, requestId: string, code?: string): Reply => ({
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body,
    errorCode: code
  })

  const stsFailure = (err: StsError, requestId: string, action: string): Reply => {
    const body = faults.takeBareRewrite('sts', action)
      ? bareErrorXml(err.code, err.message)
      : stsErrorXml(err, requestId)
    return stsReply(err.status, body, requestId, err.code)
  }

  /** Replies produced by a fault instead of the real handler. */
  const faultReply = (
    f: FaultDecision,
    endpoint: Endpoint,
    requestId: string
  ): Reply | undefined => {
    const json = (status: number, message: string, code: string): Reply => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
      errorCode: code
    })
    switch (f.kind) {
      case 'throttle':
        return endpoint === 'oidc'
          ? json(429, 'Rate exceeded', 'Throttling')
          : stsReply(
              400,
              stsErrorXml(
                { type: 'Sender', code: 'Throttling', message: 'Rate exceeded' },
                requestId
              ),
              requestId,
              'Throttling'
            )
      case 'serverError': {
        const code = f.status === 503 ? 'ServiceUnavailable' : 'InternalFailure'
        const message =
          f.status === 503
            ? 'Service is unable to handle request.'
            : 'An internal error has occurred'
        return endpoint === 'oidc'
          ? json(f.status, message, code)
          : stsReply(
              f.status,
              stsErrorXml({ type: 'Receiver', code, message }, requestId),
              requestId,
              code
            )
      }
      case 'idTokenFailure':
        return json(
          f.status,
          'Failed to generate the OIDC token (injected fault)',
          'IdTokenFailure'
        )
      case 'identityProviderError': {
        // The texts STS sends: botocore's model documents the first; the second is what STS says
        // when it cannot fetch the issuer's JWKS (the wording configure-aws-credentials matches).
        const message =
          f.code === 'IDPCommunicationError'
            ? 'The identity provider could not be reached to verify the token.'
            : "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
        return stsReply(
          400,
          stsErrorXml({ type: 'Sender', code: f.code, message }, requestId),
          requestId,
          f.code
        )
      }
      case 'bareError':
        return stsReply(f.status, bareErrorXml(f.code, f.message), requestId, f.code || '(empty)')
      case 'malformedBody':
        return {
          status: f.status,
          headers: { 'content-type': 'text/html' },
          body: f.body
        }
      default:
        // stall/reset/truncatedXml/missingCredentials shape or withhold the real reply.
        return undefined
    }
  }

  const handleSts = async (
    route: Extract<Route, { endpoint: 'sts' }>,
    signed: IncomingSignedRequest,
    record: RecordedRequest,
    requestId: string,
    fault: FaultDecision | undefined
  ): Promise<Reply> => {
    const params = parseStsParams(route.params)
    Object.assign(record, {
      roleArn: params.roleArn,
      roleSessionName: params.roleSessionName,
      durationSeconds: params.durationSeconds,
      externalId: params.externalId,
      sourceIdentity: params.sourceIdentity,
      policy: params.policy,
      policyArns: params.policyArns,
      tags: params.tags,
      transitiveTagKeys: params.transitiveTagKeys,
      webIdentityToken: params.webIdentityToken
    })
    try {
      let caller: Caller | undefined
      // Web identity is the one unsigned action; a signature, if present, must still verify.
      if (route.action !== 'AssumeRoleWithWebIdentity' || signed.headers['authorization']) {
        const v = await verifySigV4(signed, id => store.lookup(id), clock.nowMs())
        if (!v.ok) throw stsAuthError(v.reason)
        caller = v.key.caller
        record.callerArn = caller.arn
      }
      // The model's input check comes before the world's rules (roles, trust, durations), as in STS.
      const violations = model.validate(route.action, route.params)
      if (violations?.length) {
        modelViolations.push(`${route.action}: ${violations.join('; ')}`)
        throw new StsError('ValidationError', validationMessage(violations), 400)
      }
      const result = await runStsAction(deps, {
        action: route.action,
        params,
        caller,
        region: record.region ?? region,
        omitCredentials: fault?.kind === 'missingCredentials'
      })
      return stsReply(200, stsSuccessXml(route.action, result, requestId), requestId)
    } catch (e) {
      if (e instanceof StsError) return stsFailure(e, requestId, route.action)
      const message = e instanceof Error ? e.message : String(e)
      return stsReply(
        500,
        stsErrorXml({ type: 'Receiver', code: 'InternalFailure', message }, requestId),
        requestId,
        'InternalFailure'
      )
    }
  }

  const handleS3 = async (
    route: Extract<Route, { endpoint: 's3' }>,
    signed: IncomingSignedRequest,
    record: RecordedRequest,
    requestId: string
  ): Promise<Reply> => {
    const v = await verifySigV4(signed, id => store.lookup(id), clock.nowMs())
    const r = !v.ok
      ? s3AuthError(v.reason, requestId, v.auth?.accessKeyId)
      : route.action === 'ListBuckets'
        ? listBuckets(v.key.caller)
        : s3NotImplemented(requestId)
    if (v.ok) record.callerArn = v.key.caller.arn
    return {
      status: r.status,
      headers: {
        'content-type': 'application/xml',
        'x-amz-request-id': requestId,
        'x-amz-id-2': Buffer.from(requestId).toString('base64')
      },
      body: r.body,
      errorCode: r.code
    }
  }

  const control = async (url: URL, method: string, body: Buffer): Promise<Reply> => {
    const ok = (value: unknown): Reply => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value)
    })
    // Control endpoints let out-of-process users (demo, benchmarks) drive the knobs.
    const input = body.length ? (JSON.parse(body.toString('utf8')) as unknown) : {}
    switch (`${method} ${url.pathname}`) {
      case 'GET /__emulator/stats':
        return ok(stats.snapshot())
      case 'POST /__emulator/stats/reset':
        stats.reset()
        return ok({})
      case 'POST /__emulator/faults':
        faults.set(input as FaultSettings)
        return ok(faults.current())
      case 'DELETE /__emulator/faults':
        faults.clear()
        return ok({})
      case 'POST /__emulator/clock/advance':
        clock.advance(Number((input as { seconds?: unknown }).seconds ?? 0))
        return ok({ offsetSeconds: clock.offsetSeconds })
      case 'POST /__emulator/id-token-claims':
        oidc.setClaims(input as ClaimOverrides)
        return ok({})
      default:
        return { status: 404, headers: { 'content-type': 'application/json' }, body: '{}' }
    }
  }

  const send = (res: ServerResponse, reply: Reply, fault: FaultDecision | undefined): void => {
    const buf = Buffer.from(reply.body)
    if (fault?.kind === 'reset') {
      res.writeHead(reply.status, { ...reply.headers, 'content-length': buf.length })
      // Flush the head and half the body, then RST: the client sees a connection reset mid-body.
      res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.socket?.resetAndDestroy())
      return
    }
    const out = fault?.kind === 'truncatedXml' ? buf.subarray(0, Math.floor(buf.length / 2)) : buf
    res.writeHead(reply.status, { ...reply.headers, 'content-length': out.length })
    res.end(out)
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = newRequestId()
    const method = req.method ?? 'GET'
    const rawUrl = req.url ?? '/'
    const url = new URL(rawUrl, 'http://127.0.0.1')
    const body = await readBody(req)
    if (url.pathname.startsWith('/__emulator/')) {
      send(res, await control(url, method, body), undefined)
      return
    }
    const headers = combineHeaders(req.rawHeaders)
    const route = classify(method, url, headers, body)
    const auth = parseAuthorization(headers['authorization'])
    const params = route.endpoint === 'sts' ? route.params : url.searchParams
    const record = stats.begin({
      action: route.action,
      at: clock.now().toISOString(),
      method,
      path: url.pathname,
      accessKeyId: auth?.accessKeyId,
      region: auth?.region ?? region,
      policyArns: [],
      tags: [],
      transitiveTagKeys: [],
      params: Object.fromEntries(params),
      userAgent: headers['user-agent']
    })

    const latency = faults.latencyMs()
    if (latency > 0) await delay(latency, timers)
    if (closed) return

    const endpoint = route.endpoint
    const fault =
      endpoint === 'sts' || endpoint === 'oidc' || endpoint === 's3'
        ? faults.decide(endpoint, route.action)
        : undefined
    if (fault) {
      stats.fault(fault.kind)
      record.fault = fault.kind
    }
    if (fault?.kind === 'stall') {
      // Never answer; bounded: the socket is destroyed after `ms` (or at close()).
      const t = setTimeout(() => {
        timers.delete(t)
        req.socket.destroy()
      }, fault.ms)
      timers.add(t)
      return
    }

    const signed: IncomingSignedRequest = {
      method,
      path: rawUrl.split('?')[0],
      query: queryRecord(url.searchParams),
      headers,
      body
    }
    let reply =
      fault && endpoint !== 'none' && endpoint !== 'jwks'
        ? faultReply(fault, endpoint, requestId)
        : undefined
    if (!reply) {
      switch (route.endpoint) {
        case 'oidc': {
          const r = await oidc.handleTokenRequest(url.searchParams, headers['authorization'])
          record.audience = r.audience
          reply = {
            status: r.status,
            headers: { 'content-type': 'application/json' },
            body: r.body,
            errorCode: r.status === 200 ? undefined : 'Unauthorized'
          }
          break
        }
        case 'jwks':
          reply = {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(
              url.pathname.endsWith('openid-configuration')
                ? { issuer: oidc.issuer, jwks_uri: `${baseUrl}/.well-known/jwks` }
                : oidc.jwks()
            )
          }
          break
        case 's3':
          reply = await handleS3(route, signed, record, requestId)
          break
        case 'sts':
          reply = await handleSts(route, signed, record, requestId, fault)
          break
        case 'none':
          reply = { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' }
          break
      }
    }
    const hostile =
      endpoint === 'sts' || endpoint === 'oidc'
        ? faults.takeHostile(endpoint, route.action)
        : undefined
    if (hostile) {
      stats.fault('hostile')
      record.fault = 'hostile'
      reply = hostileReply(hostile.kind, reply, baseUrl)
    }
    record.status = reply.status
    record.errorCode = reply.errorCode
    if (reply.errorCode) stats.error(reply.errorCode)
    if (closed) return
    if (hostile && sendHostile(res, reply, hostile, timers)) return
    send(res, reply, fault)
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((e: unknown) => {
      // Last resort: a handler bug must not hang the client.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(e instanceof Error ? e.message : String(e))
      } else res.destroy()
    })
  })
  server.on('connection', socket => {
    sockets.add(socket)
    stats.connectionOpened()
    socket.on('close', () => {
      sockets.delete(socket)
      stats.connectionClosed()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  baseUrl = `http://127.0.0.1:${port}`

  return {
    url: baseUrl,
    port,
    region,
    oidcRequestUrl: `${baseUrl}/oidc/token?api-version=2.0`,
    oidcRequestToken: oidc.requestToken,
    jwksUrl: `${baseUrl}/.well-known/jwks`,
    issuer: oidc.issuer,
    world,
    clock,
    setFaults: f => faults.set(f),
    clearFaults: () => faults.clear(),
    setIdTokenClaims: c => oidc.setClaims(c),
    setSubjectForm: form => {
      oidc.subjectForm = form
    },
    mintIdToken: (c, o) => oidc.mintIdToken(c, o),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    lastRequest: a => stats.lastRequest(a),
    requestLog: () => stats.requests(),
    issuedCredentials: () => store.all(),
    secretsSeen: () => [
      oidc.requestToken,
      ...store.all().flatMap(c => [c.accessKeyId, c.secretAccessKey, c.sessionToken]),
      ...stats.requests().flatMap(r => (r.webIdentityToken ? [r.webIdentityToken] : []))
    ],
    stsModelPath: model.path,
    takeModelViolations: () => {
      const taken = modelViolations
      modelViolations = []
      return taken
    },
    close: async () => {
      if (closed) return
      closed = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const done = new Promise<void>(resolve => server.close(() => resolve()))
      // Keep-alive and stalled sockets would otherwise keep the process (and jest) alive.
      server.closeAllConnections()
      for (const s of sockets) s.destroy()
      await done
      if (modelViolations.length) {
        throw new Error(
          `The emulator refused ${modelViolations.length} STS request(s) that botocore's STS model rejects, and no test took them (emu.takeModelViolations()):\n${modelViolations.join('\n')}`
        )
      }
    }
  }
}
