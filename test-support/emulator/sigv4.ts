/**
 * SigV4 verification by re-signing: the request is rebuilt from exactly the headers the client
 * listed in SignedHeaders and signed again with the SDK's own signer and the stored secret at the
 * client's signing date. Equal signatures prove the client signed what we received. No
 * hand-rolled HMAC here on purpose: the point is to test clients against the reference signer.
 */
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'

const Sha256 = Hash.bind(null, 'sha256')

export interface ParsedAuthorization {
  accessKeyId: string
  /** YYYYMMDD from the credential scope. */
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

export interface IncomingSignedRequest {
  method: string
  /** Raw (still percent-encoded) path, without the query. */
  path: string
  query: Record<string, string | string[]>
  /** Lower-case names; repeated headers joined with ',' as SigV4 canonicalisation does. */
  headers: Record<string, string>
  body: Buffer
}

export interface KeyMaterial {
  secretAccessKey: string
  sessionToken?: string
  expiresAtMs?: number
}

export type SigV4Failure =
  | 'missing'
  | 'malformed'
  | 'unknown-key'
  | 'bad-token'
  | 'expired'
  | 'bad-signature'
  | 'payload-hash-mismatch'

export type SigV4Result<K> =
  | { ok: true; auth: ParsedAuthorization; key: K }
  | { ok: false; reason: SigV4Failure; auth?: ParsedAuthorization; detail?: string }

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const m = header === undefined ? null : AUTH_RE.exec(header.trim())
  if (!m) return undefined
  return {
    accessKeyId: m[1],
    date: m[2],
    region: m[3],
    service: m[4],
    signedHeaders: m[5].split(';'),
    signature: m[6]
  }
}

/** `20240102T030405Z` → Date; undefined when it is not that exact shape. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const m =
    value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number)
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s))
}

async function sha256Hex(body: Uint8Array): Promise<string> {
  const hash = new Sha256()
  hash.update(body)
  return Buffer.from(await hash.digest()).toString('hex')
}

/**
 * Verifies the Authorization header of `req`. `lookup` maps an access key ID to its secret (and
 * session token / expiry for temporary keys); `nowMs` is the emulator clock.
 */
export async function verifySigV4<K extends KeyMaterial>(
  req: IncomingSignedRequest,
  lookup: (accessKeyId: string) => K | undefined,
  nowMs: number
): Promise<SigV4Result<K>> {
  const header = req.headers['authorization']
  if (header === undefined) return { ok: false, reason: 'missing' }
  const auth = parseAuthorization(header)
  if (!auth) return { ok: false, reason: 'malformed', detail: 'unparseable Authorization header' }

  const key = lookup(auth.accessKeyId)
  if (!key) return { ok: false, reason: 'unknown-key', auth }

  // Temporary keys must come with their own token; long-term keys must not carry one.
  const token = req.headers['x-amz-security-token']
  if (key.sessionToken !== undefined ? token !== key.sessionToken : token !== undefined) {
    return { ok: false, reason: 'bad-token', auth }
  }
  if (key.expiresAtMs !== undefined && nowMs >= key.expiresAtMs) {
    return { ok: false, reason: 'expired', auth }
  }

  const signingDate = parseAmzDate(req.headers['x-amz-date'])
  if (!signingDate || !req.headers['x-amz-date'].startsWith(auth.date)) {
    return {
      ok: false,
      reason: 'bad-signature',
      auth,
      detail: 'X-Amz-Date missing or not in scope'
    }
  }

  const signed = new Set(auth.signedHeaders)
  const headers: Record<string, string> = {}
  for (const name of signed) {
    const value = req.headers[name]
    if (value === undefined) {
      return { ok: false, reason: 'bad-signature', auth, detail: `signed header ${name} absent` }
    }
    headers[name] = value
  }

  // x-amz-content-sha256 (S3, the CLI) declares the payload hash; when it is a real hash it
  // must describe the body we got. UNSIGNED-PAYLOAD / STREAMING-* are taken as declared.
  const declared = req.headers['x-amz-content-sha256']
  if (declared !== undefined && /^[0-9a-f]{64}$/.test(declared)) {
    if ((await sha256Hex(req.body)) !== declared) {
      return { ok: false, reason: 'payload-hash-mismatch', auth }
    }
  }

  const signer = new SignatureV4({
    credentials: {
      accessKeyId: auth.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      // Only hand the token over if it was signed: the signer adds it to the signed headers.
      ...(signed.has('x-amz-security-token') && token !== undefined ? { sessionToken: token } : {})
    },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    // S3 signs the path as sent; every other service double-encodes (the signer's default).
    uriEscapePath: auth.service !== 's3',
    // Never add x-amz-content-sha256 ourselves: it is signed only if the client sent it.
    applyChecksum: false
  })
  const resigned = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers['host'] ?? '127.0.0.1',
      path: req.path,
      query: req.query,
      headers,
      body: req.body
    },
    { signingDate, signableHeaders: signed }
  )
  const expected = parseAuthorization(resigned.headers['authorization'])
  if (!expected || expected.signature !== auth.signature) {
    return { ok: false, reason: 'bad-signature', auth }
  }
  return { ok: true, auth, key }
}
