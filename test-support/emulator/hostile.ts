/**
 * Hostile answers: what a malicious or broken server (or anything on the path to it) could send
 * back, to prove the action trusts none of it. Each kind either rewrites the real reply (a field
 * with line breaks and workflow commands) or replaces how it is sent (a dripping body, a huge
 * body). All are bounded: a count, a byte total, and the socket closing ends every one of them.
 */
import type { ServerResponse } from 'node:http'

export type HostileKind =
  /** SessionToken with a line break, then `[default]` and a `credential_process` that runs sh. */
  | 'tokenInjection'
  /** AssumedRoleUser/Arn (and GetCallerIdentity's Arn) with line breaks and workflow commands. */
  | 'arnInjection'
  /** A 500 whose <Code> holds a line break and a command (shows up in the retry line). */
  | 'codeInjection'
  /** A 403 AccessDenied whose <Message> holds line breaks and commands (the diagnosis). */
  | 'messageInjection'
  /** A 200 whose Expiration is not a date. */
  | 'badExpiration'
  /** Headers at once, then the real body one byte every `intervalMs`. */
  | 'drip'
  /** A 200 with `bytes` (default 256 MiB) of body, streamed as fast as the client reads. */
  | 'huge'
  /** A 307 to another path (`/__trap`); a client that follows it is caught in the request log. */
  | 'redirect'
  /** A 200 whose body is not XML at all. */
  | 'nonXml'
  /** ID-token endpoint: a token of three base64url parts whose header and claims are not JSON. */
  | 'brokenIdToken'

export interface HostileSettings {
  kind: HostileKind
  /** Requests to answer this way (default 100: a hostile server does not give up). */
  count?: number
  /** `huge`: body size in bytes. */
  bytes?: number
  /** `huge`: send Content-Length (default: chunked, so the size is known only at the end). */
  declareLength?: boolean
  /** `drip`: milliseconds between bytes (default 1000). */
  intervalMs?: number
}

export const DEFAULT_HOSTILE_COUNT = 100
const DEFAULT_HUGE_BYTES = 256 * 1024 * 1024
const DEFAULT_DRIP_MS = 1000

/** What the injected fields carry: every workflow command an attacker would want to run. */
export const FORGED_COMMANDS = [
  '::warning::forged by the server',
  '::set-output name=aws-account-id::999999999999',
  '::save-state name=profileBackup::/etc/passwd',
  '::add-mask::GitHubActions'
]
const LINES = FORGED_COMMANDS.join('&#10;')
export const PROFILE_INJECTION = '[default]&#10;credential_process = sh -c "touch /tmp/pwned"'

interface Reply {
  status: number
  headers: Record<string, string>
  body: string
  errorCode?: string
}

function xmlError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>hostile</RequestId></ErrorResponse>`,
    errorCode: 'hostile'
  }
}

/** The reply with its fields rewritten, for the kinds that only change content. */
export function hostileReply(kind: HostileKind, real: Reply, baseUrl: string): Reply {
  switch (kind) {
    case 'tokenInjection':
      return {
        ...real,
        body: real.body.replace(
          /(<SessionToken>[^<]*)(<\/SessionToken>)/,
          `$1&#10;${PROFILE_INJECTION}&#10;$2`
        )
      }
    case 'arnInjection':
      return { ...real, body: real.body.replace(/(<Arn>[^<]*)(<\/Arn>)/, `$1&#10;${LINES}$2`) }
    case 'badExpiration':
      return {
        ...real,
        body: real.body.replace(
          /<Expiration>[^<]*<\/Expiration>/,
          `<Expiration>soon&#10;${LINES}</Expiration>`
        )
      }
    case 'codeInjection':
      return xmlError(500, `InternalFailure&#10;${LINES}`, 'try again')
    case 'messageInjection':
      return xmlError(
        403,
        'AccessDenied',
        `User: arn:aws:iam::111111111111:user/x&#10;${LINES}&#10; is not authorized`
      )
    case 'redirect':
      return {
        status: 307,
        headers: { location: `${baseUrl}/__trap`, 'content-type': 'text/plain' },
        body: 'moved',
        errorCode: 'hostile'
      }
    case 'nonXml':
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: `<!doctype html><p>not STS</p>\n${FORGED_COMMANDS.join('\n')}`
      }
    case 'brokenIdToken': {
      const part = (text: string): string => Buffer.from(text).toString('base64url')
      const token = `${part('{"alg":"RS256","typ"')}.${part('not json\n::warning::forged')}.${part('signature')}`
      return { ...real, status: 200, body: JSON.stringify({ value: token }) }
    }
    default:
      return real
  }
}

/** Sends the reply the way `kind` says (drip, huge); false when the kind only rewrites content. */
export function sendHostile(
  res: ServerResponse,
  reply: Reply,
  settings: HostileSettings,
  timers: Set<NodeJS.Timeout>
): boolean {
  if (settings.kind === 'drip') {
    const body = Buffer.from(reply.body)
    res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length })
    res.flushHeaders()
    let sent = 0
    const tick = (): void => {
      if (gone(res) || sent >= body.length) {
        if (!gone(res)) res.end()
        return
      }
      res.write(body.subarray(sent, sent + 1))
      sent++
      const timer = setTimeout(() => {
        timers.delete(timer)
        tick()
      }, settings.intervalMs ?? DEFAULT_DRIP_MS)
      timers.add(timer)
    }
    tick()
    return true
  }
  if (settings.kind === 'huge') {
    const total = settings.bytes ?? DEFAULT_HUGE_BYTES
    const chunk = Buffer.alloc(64 * 1024, 'A')
    const headers: Record<string, string | number> = { 'content-type': 'text/xml' }
    if (settings.declareLength) headers['content-length'] = total
    res.writeHead(200, headers)
    const prefix = '<AssumeRoleResponse><AssumeRoleResult><Padding>'
    res.write(prefix)
    let sent = prefix.length
    const pump = (): void => {
      while (!gone(res) && sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent))
        sent += piece.length
        if (!res.write(piece)) {
          res.once('drain', pump)
          return
        }
      }
      if (!gone(res)) res.end()
    }
    pump()
    return true
  }
  return false
}

/** The client went away (or the emulator closed): stop sending. */
function gone(res: ServerResponse): boolean {
  return res.destroyed || !res.socket || res.socket.destroyed
}
