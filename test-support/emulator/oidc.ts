/**
 * GitHub Actions' OIDC side: the runner's ID-token endpoint (bearer-protected, returns
 * `{"value": "<jwt>"}`) and the issuer's signing keys. Tokens are RS256 JWTs shaped like GitHub's,
 * signed with a key pair generated at start; STS verifies them against the same key set.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import {
  createLocalJWKSet,
  decodeJwt,
  errors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload
} from 'jose'
import type { EmulatorClock } from './clock.js'
import { GITHUB_ISSUER } from './world.js'

/** The claims GitHub puts in an Actions ID token (the ones the action and trust policies use). */
export interface GitHubClaims {
  iss: string
  aud: string | string[]
  sub: string
  repository: string
  repository_owner: string
  repository_owner_id: string
  repository_id: string
  repository_visibility: string
  ref: string
  ref_type: string
  sha: string
  workflow: string
  workflow_ref: string
  job_workflow_ref: string
  event_name: string
  environment?: string
  head_ref: string
  base_ref: string
  actor: string
  actor_id: string
  run_id: string
  run_number: string
  run_attempt: string
  runner_environment: string
  jti: string
  iat: number
  nbf: number
  exp: number
}

/** What tests may override; extra non-GitHub claims are allowed too. */
export type ClaimOverrides = Partial<GitHubClaims> & Record<string, unknown>

export interface MintOptions {
  /** Lifetime from the emulator's now; zero or negative mints an already expired token. */
  expiresInSeconds?: number
  /** Sign with a key the issuer never published (same `kid`): a forged token. */
  signWithForeignKey?: boolean
}

export type TokenCheck =
  | { ok: true; claims: JWTPayload }
  | { ok: false; reason: 'malformed' | 'signature' | 'claims' }
  | { ok: false; reason: 'expired'; exp: number; now: number }

const KID = 'emulator-github-actions-1'

const DEFAULT_CLAIMS = {
  repository: 'octo-org/octo-repo',
  repository_owner: 'octo-org',
  repository_owner_id: '1000001',
  repository_id: '2000002',
  repository_visibility: 'private',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  sha: 'a3f5c1d2e4b6a7980c1d2e3f4a5b6c7d8e9f0a1b',
  workflow: 'deploy',
  workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
  job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
  event_name: 'push',
  head_ref: '',
  base_ref: '',
  actor: 'octocat',
  actor_id: '583231',
  run_id: '4242424242',
  run_number: '7',
  run_attempt: '1',
  runner_environment: 'github-hosted'
} satisfies Partial<GitHubClaims>

/**
 * How GitHub spells the repository in `sub`. Immutable (GitHub changelog of 2026-04-23, "immutable
 * subject claims"; repositories created on or after 15 July 2026 and those opted in):
 * `repo:OWNER@OWNER_ID/REPO@REPO_ID`. Legacy, what older repositories still emit: `repo:OWNER/REPO`.
 */
export type SubjectForm = 'immutable' | 'legacy'

/** GitHub's sub: environment wins, then pull_request, then the ref. */
export function subjectFor(
  c: {
    repository?: unknown
    repository_owner_id?: unknown
    repository_id?: unknown
    environment?: unknown
    event_name?: unknown
    ref?: unknown
  },
  form: SubjectForm = 'immutable'
): string {
  const [owner, name] = String(c.repository).split('/')
  const repo =
    form === 'immutable'
      ? `repo:${owner}@${String(c.repository_owner_id)}/${name}@${String(c.repository_id)}`
      : `repo:${String(c.repository)}`
  if (typeof c.environment === 'string' && c.environment !== '') {
    return `${repo}:environment:${c.environment}`
  }
  if (c.event_name === 'pull_request' || c.event_name === 'pull_request_target') {
    return `${repo}:pull_request`
  }
  return `${repo}:ref:${String(c.ref)}`
}

export class OidcIssuer {
  readonly issuer: string
  /** What the runner would put in ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly requestToken = randomBytes(24).toString('hex')
  idTokenLifetimeSeconds: number
  /** The form of `sub` in later tokens: immutable, as GitHub issues them now, unless asked. */
  subjectForm: SubjectForm = 'immutable'
  private overrides: ClaimOverrides = {}
  private foreignKey: Promise<CryptoKey> | undefined

  private constructor(
    private readonly clock: EmulatorClock,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    issuer: string,
    lifetime: number
  ) {
    this.issuer = issuer
    this.idTokenLifetimeSeconds = lifetime
  }

  static async create(
    clock: EmulatorClock,
    opts: { issuer?: string; idTokenLifetimeSeconds?: number } = {}
  ): Promise<OidcIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' }
    return new OidcIssuer(
      clock,
      privateKey,
      jwk,
      opts.issuer ?? GITHUB_ISSUER,
      opts.idTokenLifetimeSeconds ?? 300
    )
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] }
  }

  /** Merges claim overrides used for every later token (`undefined` removes an override). */
  setClaims(partial: ClaimOverrides): void {
    this.overrides = Object.fromEntries(
      Object.entries({ ...this.overrides, ...partial }).filter(([, v]) => v !== undefined)
    )
  }

  resetClaims(): void {
    this.overrides = {}
  }

  /** The claims the next token would carry for `audience` (before timestamps and jti). */
  claimsFor(audience: string | undefined, extra: ClaimOverrides = {}): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...DEFAULT_CLAIMS, ...this.overrides, ...extra }
    // GitHub's default audience is the URL of the repository owner.
    const aud = audience ?? merged.aud ?? `https://github.com/${String(merged.repository_owner)}`
    const sub = extra.sub ?? this.overrides.sub ?? subjectFor(merged, this.subjectForm)
    return { ...merged, iss: merged.iss ?? this.issuer, aud, sub }
  }

  async mintIdToken(claims: ClaimOverrides = {}, opts: MintOptions = {}): Promise<string> {
    const now = this.clock.nowSeconds()
    const life = opts.expiresInSeconds ?? this.idTokenLifetimeSeconds
    const exp = now + life
    // An expired token still looks like it was issued one normal lifetime before it expired.
    const iat = life > 0 ? now : exp - this.idTokenLifetimeSeconds
    const payload = {
      jti: randomUUID(),
      ...this.claimsFor(undefined, claims),
      iat,
      nbf: iat,
      exp,
      // Explicit timestamps in `claims` win (e.g. a test wants an odd nbf).
      ...pickNumbers(claims, ['iat', 'nbf', 'exp'])
    }
    const key = opts.signWithForeignKey ? await this.getForeignKey() : this.privateKey
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: KID }).sign(key)
  }

  /** GET /oidc/token?api-version=2.0&audience=AUD with `Authorization: Bearer <requestToken>`. */
  async handleTokenRequest(
    query: URLSearchParams,
    authorization: string | undefined
  ): Promise<{ status: number; body: string; audience?: string }> {
    if (authorization !== `Bearer ${this.requestToken}`) {
      return { status: 401, body: JSON.stringify({ message: 'Unauthorized' }) }
    }
    const audience = query.get('audience') ?? undefined
    const value = await this.mintIdToken(audience === undefined ? {} : { aud: audience })
    return { status: 200, body: JSON.stringify({ value }), audience }
  }

  /** Verifies signature and time claims against this issuer's keys at the emulator's time. */
  async verify(token: string): Promise<TokenCheck> {
    let claims: JWTPayload
    try {
      claims = decodeJwt(token)
    } catch {
      return { ok: false, reason: 'malformed' }
    }
    try {
      const res = await jwtVerify(token, createLocalJWKSet(this.jwks()), {
        algorithms: ['RS256'],
        currentDate: this.clock.now()
      })
      return { ok: true, claims: res.payload }
    } catch (e) {
      if (e instanceof errors.JWTExpired) {
        return {
          ok: false,
          reason: 'expired',
          exp: Number(claims.exp),
          now: this.clock.nowSeconds()
        }
      }
      if (e instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: 'claims' }
      if (e instanceof errors.JOSEError && e.code === 'ERR_JWS_INVALID') {
        return { ok: false, reason: 'malformed' }
      }
      return { ok: false, reason: 'signature' }
    }
  }

  private getForeignKey(): Promise<CryptoKey> {
    // Generated lazily: most runs never forge a token and RSA key generation is not free.
    this.foreignKey ??= generateKeyPair('RS256').then(k => k.privateKey)
    return this.foreignKey
  }
}

function pickNumbers(src: Record<string, unknown>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k of keys) if (typeof src[k] === 'number') out[k] = src[k]
  return out
}
