/**
 * `credential_process` for refresh-credentials with OIDC: the AWS CLI and SDKs run
 * `node dist/index.js credential-process <config>` whenever the profile's credentials are about to
 * expire; it fetches a fresh GitHub ID token and assumes the role again.
 *
 * Its stdout belongs to the credential_process protocol (one JSON document). It is no workflow
 * step, and the AWS CLI and SDKs embed its stderr in their own errors: so no workflow commands at
 * all (not even ::add-mask::), and stderr gets only neutralised, redacted human-readable lines.
 */
import { readFile } from 'node:fs/promises'
import { proxyAgents } from '../network/http-agents.js'
import {
  checkCleartext,
  checkTokenRequestUrl,
  parseProxyUrl,
  parseStsEndpoint
} from '../rules/endpoint.js'
import { TransientOnlyRetry } from '../network/retry.js'
import { disableWorkflowCommands, info } from '../runner/commands.js'
import { redact } from '../runner/secrets.js'
import { fetchIdToken } from '../sources/github-oidc.js'
import { assumeRoleWithWebIdentity, createStsClient } from '../network/sts.js'

/**
 * Written by the main step into the launcher's private folder (profiles/launcher.ts);
 * deleted by the post step.
 */
export interface CredentialProcessConfig {
  requestUrl: string
  requestToken: string
  audience: string
  roleArn: string
  sessionName: string
  durationSeconds: number
  region: string
  stsEndpoint?: string
  maxAttempts: number
  inlinePolicy?: string
  managedPolicies?: string[]
  proxy?: { url?: string; noProxy?: string; fromInput: boolean }
}

const ATTEMPT_TIMEOUT_MS = 10_000

/**
 * The ID-token request URL and its token, always as a pair: both from the environment (a runner
 * that passes fresh request variables to run: steps), else both as stored. The stored token never
 * goes to a URL from the environment, nor a token from the environment to the stored URL.
 */
export function requestPair(
  config: Pick<CredentialProcessConfig, 'requestUrl' | 'requestToken'>,
  env: NodeJS.ProcessEnv
): { requestUrl: string; requestToken: string } {
  const { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: token } = env
  if (url && token) return { requestUrl: url, requestToken: token }
  return { requestUrl: config.requestUrl, requestToken: config.requestToken }
}

export async function run(args: string[]): Promise<void> {
  disableWorkflowCommands()
  const write = process.stdout.write.bind(process.stdout)
  // Anything else that would print to stdout (a library) goes to stderr instead.
  process.stdout.write = process.stderr.write.bind(process.stderr)
  try {
    const [configFile] = args
    if (!configFile) throw new Error('usage: index.js credential-process <config file>')
    const config = JSON.parse(await readFile(configFile, 'utf8')) as CredentialProcessConfig
    const { requestUrl, requestToken } = requestPair(config, process.env)
    // The config file is outside text: the same rules as the main step's, before any request.
    checkTokenRequestUrl(requestUrl)
    if (config.stsEndpoint) {
      checkCleartext(
        parseStsEndpoint('the stored sts endpoint', config.stsEndpoint),
        'the stored sts endpoint',
        'id-token'
      )
    }
    const proxy = config.proxy?.url
      ? { ...config.proxy, url: parseProxyUrl('the stored proxy', config.proxy.url) }
      : { fromInput: false }
    const log = (line: string): void => info(redact(line))
    const signal = AbortSignal.timeout(ATTEMPT_TIMEOUT_MS * 3)
    const agents = proxyAgents(proxy)
    const token = await fetchIdToken(
      { requestUrl, requestToken, audience: config.audience },
      {
        retry: new TransientOnlyRetry(config.maxAttempts, 'ID token request', log),
        attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
        signal,
        agents
      }
    )
    const client = createStsClient({
      region: config.region,
      stsEndpoint: config.stsEndpoint,
      retry: new TransientOnlyRetry(config.maxAttempts, 'AssumeRoleWithWebIdentity', log),
      attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
      agents
    })
    const session = await assumeRoleWithWebIdentity(
      client,
      config.roleArn,
      {
        role: { bareName: config.roleArn },
        sessionName: config.sessionName,
        durationSeconds: config.durationSeconds,
        tags: [],
        transitiveTagKeys: [],
        inlinePolicy: config.inlinePolicy,
        managedPolicies: config.managedPolicies ?? []
      },
      token,
      signal
    )
    write(
      JSON.stringify({
        Version: 1,
        AccessKeyId: session.credentials.accessKeyId,
        SecretAccessKey: session.credentials.secretAccessKey,
        SessionToken: session.credentials.sessionToken,
        Expiration: session.credentials.expiration?.toISOString()
      }) + '\n'
    )
  } catch (error) {
    info(
      `credential_process failed: ${redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error))}`
    )
    process.exitCode = 1
  }
}
