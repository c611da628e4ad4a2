/**
 * The one S3 operation the emulator serves: ListBuckets (`GET /`, path style), enough to prove a
 * client's S3-flavoured SigV4 (x-amz-content-sha256, unescaped path) and what a role can see.
 */
import type { Caller } from './credentials.js'
import type { SigV4Failure } from './sigv4.js'
import { el, leaf, s3ErrorXml, s3Xml, S3_NAMESPACE } from './xml.js'

export interface S3Response {
  status: number
  body: string
  code?: string
}

/** A fixed creation date keeps `aws s3 ls` output stable across runs. */
const CREATION_DATE = '2024-01-01T00:00:00.000Z'

export function listBuckets(caller: Caller): S3Response {
  const owner = el(
    'Owner',
    leaf('ID', Buffer.from(caller.account).toString('hex').padEnd(64, '0')),
    leaf('DisplayName', `account-${caller.account}`)
  )
  const buckets = el(
    'Buckets',
    ...[...caller.buckets]
      .sort()
      .map(name => el('Bucket', leaf('Name', name), leaf('CreationDate', CREATION_DATE)))
  )
  const root = el('ListAllMyBucketsResult', owner, buckets).addAttribute('xmlns', S3_NAMESPACE)
  return { status: 200, body: s3Xml(root) }
}

/** S3 reports SigV4 failures with its own codes (not STS's). */
export function s3AuthError(
  reason: SigV4Failure,
  requestId: string,
  accessKeyId?: string
): S3Response {
  const e = (status: number, code: string, message: string, extra = {}): S3Response => ({
    status,
    code,
    body: s3ErrorXml(code, message, requestId, extra)
  })
  switch (reason) {
    case 'missing':
      return e(403, 'AccessDenied', 'Access Denied')
    case 'malformed':
      return e(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed')
    case 'unknown-key':
      return e(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        { AWSAccessKeyId: accessKeyId ?? '' }
      )
    case 'bad-token':
      return e(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.')
    case 'expired':
      return e(400, 'ExpiredToken', 'The provided token has expired.')
    case 'bad-signature':
      return e(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        { AWSAccessKeyId: accessKeyId ?? '' }
      )
    case 'payload-hash-mismatch':
      return e(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed."
      )
  }
}

export function s3NotImplemented(requestId: string): S3Response {
  return {
    status: 501,
    code: 'NotImplemented',
    body: s3ErrorXml(
      'NotImplemented',
      'A header you provided implies functionality that is not implemented',
      requestId
    )
  }
}
