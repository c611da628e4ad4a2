/**
 * A self-hosted runner's credential endpoints on 127.0.0.1, for tests of the ambient credentials:
 * the EC2 instance metadata service (IMDSv2) and the container credentials endpoint
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI). The shapes are the consumers': @smithy/credential-provider-imds
 * (PUT /latest/api/token with x-aws-ec2-metadata-token-ttl-seconds, then GET
 * /latest/meta-data/iam/security-credentials/ and …/NAME with x-aws-ec2-metadata-token; JSON with
 * AccessKeyId, SecretAccessKey, Token, Expiration) and @aws-sdk/credential-provider-http (JSON
 * with AccessKeyId, SecretAccessKey, Token, Expiration; plain http only to loopback).
 */
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ServedCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
}

export interface MetadataServer {
  /** Base URL for AWS_EC2_METADATA_SERVICE_ENDPOINT. */
  imdsEndpoint: string
  /** URL for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  containerUri: string
  /** Requests served, by path. */
  requests: string[]
  close(): Promise<void>
}

const ROLE_NAME = 'runner-instance-role'
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/'

export async function startMetadataServer(credentials: ServedCredentials): Promise<MetadataServer> {
  const token = randomUUID()
  const requests: string[] = []
  const body = JSON.stringify({
    Code: 'Success',
    Type: 'AWS-HMAC',
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: credentials.expiration.toISOString(),
    LastUpdated: new Date().toISOString()
  })
  const server: Server = createServer((req, res) => {
    const path = req.url ?? ''
    requests.push(`${req.method} ${path}`)
    const send = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text)
    }
    if (path === '/latest/api/token' && req.method === 'PUT') return send(200, token)
    if (path === '/container-credentials') return send(200, body)
    if (!path.startsWith(CREDENTIALS_PATH)) return send(404, 'not found')
    if (req.headers['x-aws-ec2-metadata-token'] !== token) return send(401, 'unauthorized')
    if (path === CREDENTIALS_PATH) return send(200, ROLE_NAME)
    if (path === CREDENTIALS_PATH + ROLE_NAME) return send(200, body)
    return send(404, 'not found')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    imdsEndpoint: `http://127.0.0.1:${port}`,
    containerUri: `http://127.0.0.1:${port}/container-credentials`,
    requests,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
