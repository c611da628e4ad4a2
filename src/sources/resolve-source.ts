/**
 * From the plan's source to the identity that calls STS: one `isX`/`resolveX` pair per kind of
 * source, tried in order (the shape of the AWS SDK's credential-provider-ini resolveProfileData).
 * Whatever a source holds is masked as soon as it is held, by the source module itself.
 */
import type { AwsCredentialIdentity } from '@smithy/types'
import { info } from '../runner/commands.js'
import type { SourcePlan } from '../settings.js'
import { fromAccessKeys } from './access-keys.js'
import { fromDefaultChain } from './default-chain.js'
import { fromEnvironment } from './environment.js'
import { fromTokenFile } from './token-file.js'
import { TokenSupply } from './token-supply.js'

/** The identity that calls STS, ready for any number of roles. */
export interface Source {
  /** For AssumeRole and GetCallerIdentity. */
  credentials?: AwsCredentialIdentity
  /** For AssumeRoleWithWebIdentity: the current token, fetched once and shared. */
  token?: TokenSupply
}

type Plan<K extends SourcePlan['kind']> = Extract<SourcePlan, { kind: K }>

export interface SourceInit {
  env: NodeJS.ProcessEnv
  /** Requests GitHub's ID token (the caller owns the retry, timeouts, abort signal and agents). */
  fetchIdToken: (plan: Plan<'github-oidc'>) => Promise<string>
}

const isAccessKeys = (plan: SourcePlan): plan is Plan<'access-keys'> => plan.kind === 'access-keys'
const resolveAccessKeys = (plan: Plan<'access-keys'>): Source => ({
  credentials: fromAccessKeys(plan.keys)
})

const isGithubOidc = (plan: SourcePlan): plan is Plan<'github-oidc'> => plan.kind === 'github-oidc'
const resolveGithubOidc = (plan: Plan<'github-oidc'>, init: SourceInit): Source => ({
  token: new TokenSupply(() => init.fetchIdToken(plan))
})

const isTokenFile = (plan: SourcePlan): plan is Plan<'token-file'> => plan.kind === 'token-file'
const resolveTokenFile = (plan: Plan<'token-file'>, init: SourceInit): Source => ({
  token: new TokenSupply(() => fromTokenFile(plan.path, init.env))
})

const isEnvironment = (plan: SourcePlan): plan is Plan<'environment'> => plan.kind === 'environment'
/**
 * Keys an earlier step exported, else what the SDK's default chain finds; one line says where
 * they came from (never what they are).
 */
async function resolveEnvironment(plan: Plan<'environment'>, init: SourceInit): Promise<Source> {
  const fromEnv = fromEnvironment(init.env, plan.chaining)
  if (fromEnv) {
    info('Source credentials: from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment')
    return { credentials: fromEnv }
  }
  const { credentials, origin } = await fromDefaultChain(init.env)
  info(`Source credentials: ${origin}`)
  return { credentials }
}

export async function resolveSource(plan: SourcePlan, init: SourceInit): Promise<Source> {
  if (isAccessKeys(plan)) return resolveAccessKeys(plan)
  if (isGithubOidc(plan)) return resolveGithubOidc(plan, init)
  if (isTokenFile(plan)) return resolveTokenFile(plan, init)
  if (isEnvironment(plan)) return resolveEnvironment(plan, init)
  throw new Error('unknown source of credentials') // the SourcePlan union has no other kind
}
