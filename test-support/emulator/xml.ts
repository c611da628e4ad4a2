/**
 * XML envelopes for STS (AWS Query protocol) and S3 (REST-XML), built with the SDK's own
 * XmlNode so escaping matches what AWS clients expect.
 */
import { XmlNode } from '@aws-sdk/xml-builder'

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/'
export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/'

/** Children may be omitted conditionally (`cond && node`), so falsy entries are skipped. */
export type MaybeNode = XmlNode | undefined | false

export function leaf(name: string, value: string | number): XmlNode {
  return XmlNode.of(name, String(value))
}

export function el(name: string, ...children: MaybeNode[]): XmlNode {
  return new XmlNode(
    name,
    children.filter((c): c is XmlNode => c instanceof XmlNode)
  )
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` as STS sends it. */
export function stsSuccessXml(action: string, result: MaybeNode[], requestId: string): string {
  return el(
    `${action}Response`,
    el(`${action}Result`, ...result),
    el('ResponseMetadata', leaf('RequestId', requestId))
  )
    .addAttribute('xmlns', STS_NAMESPACE)
    .toString()
}

export interface AwsErrorShape {
  type: 'Sender' | 'Receiver'
  code: string
  message: string
}

export function stsErrorXml(err: AwsErrorShape, requestId: string): string {
  return el(
    'ErrorResponse',
    el('Error', leaf('Type', err.type), leaf('Code', err.code), leaf('Message', err.message)),
    leaf('RequestId', requestId)
  )
    .addAttribute('xmlns', STS_NAMESPACE)
    .toString()
}

/**
 * The wrapper-less error some STS-compatible servers send. `leaf` keeps an explicit empty text
 * child, so an empty message renders as `<Message></Message>` rather than `<Message/>`.
 */
export function bareErrorXml(code: string, message: string): string {
  return el('Error', leaf('Code', code), leaf('Message', message)).toString()
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

export function s3Xml(root: XmlNode): string {
  return XML_DECLARATION + root.toString()
}

export function s3ErrorXml(
  code: string,
  message: string,
  requestId: string,
  extra: Record<string, string> = {}
): string {
  return s3Xml(
    el(
      'Error',
      leaf('Code', code),
      leaf('Message', message),
      ...Object.entries(extra).map(([k, v]) => leaf(k, v)),
      leaf('RequestId', requestId),
      leaf('HostId', Buffer.from(requestId).toString('base64'))
    )
  )
}
