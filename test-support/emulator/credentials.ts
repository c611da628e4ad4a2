/**
 * Who holds which key: the world's long-term user keys plus the temporary credentials the
 * emulator issued. Resolves an access key ID to a caller so the signed handlers can authorise it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { findRole, findUserByAccessKey, parseArn, type World } from './world.js'

export interface SessionTag {
  Key: string
  Value: string
}

export interface IssuedCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  /** Emulator-clock milliseconds after which the key answers ExpiredToken. */
  expiresAtMs: number
  /** `arn:aws:sts::ACCT:assumed-role/NAME/SESSION`. */
  assumedRoleArn: string
  /** `AROA…:SESSION`. */
  assumedRoleId: string
  roleArn: string
  account: string
  sessionName: string
  /** The caller that obtained it was itself a role session (role chaining). */
  chained: boolean
  viaWebIdentity: boolean
  tags: SessionTag[]
  transitiveTagKeys: string[]
  sourceIdentity?: string
}

export interface Caller {
  kind: 'user' | 'session'
  /** Identity ARN: the user's ARN or the assumed-role session ARN. */
  arn: string
  account: string
  /** `AIDA…` for users, `AROA…:SESSION` for sessions (GetCallerIdentity's UserId). */
  userId: string
  accessKeyId: string
  /** For sessions: the role the session belongs to. */
  roleArn?: string
  /** Identity-policy grants (role ARNs it may assume). */
  canAssume: string[]
  buckets: string[]
  session?: IssuedCredentials
}

/** What the SigV4 verifier needs to know about a key. */
export interface SigningKey {
  secretAccessKey: string
  /** Required X-Amz-Security-Token for temporary keys. */
  sessionToken?: string
  expiresAtMs?: number
  caller: Caller
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

function base32(bytes: Buffer, length: number): string {
  let out = ''
  for (let i = 0; out.length < length; i++) out += BASE32[bytes[i % bytes.length] % 32]
  return out
}

/** Stable IAM-style unique IDs (AIDA…/AROA…) derived from the ARN, so repeated runs agree. */
export function stableId(prefix: 'AIDA' | 'AROA', arn: string): string {
  return prefix + base32(createHash('sha256').update(arn).digest(), 17)
}

export function newRequestId(): string {
  return randomUUID()
}

export class CredentialStore {
  private readonly issued = new Map<string, IssuedCredentials>()

  constructor(private readonly world: World) {}

  /** Looks a key up live in the world (tests may mutate it) and among issued sessions. */
  lookup(accessKeyId: string): SigningKey | undefined {
    const session = this.issued.get(accessKeyId)
    if (session) {
      const role = findRole(this.world, session.roleArn)
      return {
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
        expiresAtMs: session.expiresAtMs,
        caller: {
          kind: 'session',
          arn: session.assumedRoleArn,
          account: session.account,
          userId: session.assumedRoleId,
          accessKeyId,
          roleArn: session.roleArn,
          canAssume: role?.canAssume ?? [],
          buckets: role?.buckets ?? [],
          session
        }
      }
    }
    const found = findUserByAccessKey(this.world, accessKeyId)
    if (!found) return undefined
    return {
      secretAccessKey: found.key.secretAccessKey,
      caller: {
        kind: 'user',
        arn: found.user.arn,
        account: parseArn(found.user.arn)?.account ?? '',
        userId: stableId('AIDA', found.user.arn),
        accessKeyId,
        canAssume: found.user.canAssume,
        buckets: found.user.buckets ?? []
      }
    }
  }

  /** Mints and remembers a fresh temporary key pair + token for a role session. */
  issue(
    details: Omit<IssuedCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>,
    remember = true
  ): IssuedCredentials {
    const creds: IssuedCredentials = {
      ...details,
      accessKeyId: 'ASIA' + base32(randomBytes(16), 16),
      secretAccessKey: randomBytes(30).toString('base64'),
      // Real tokens are long opaque base64; the prefix mimics them so log scrapers see a lookalike.
      sessionToken: 'IQoJb3JpZ2luX2VjE' + randomBytes(180).toString('base64')
    }
    if (remember) this.issued.set(creds.accessKeyId, creds)
    return creds
  }

  get(accessKeyId: string): IssuedCredentials | undefined {
    return this.issued.get(accessKeyId)
  }

  all(): IssuedCredentials[] {
    return [...this.issued.values()]
  }
}
