/**
 * Every input, read and validated once, into one Settings plan. Pure: it reads the inputs, the
 * environment and the run's context it is given, and touches no file and no network, so every rule
 * fails before any call to AWS. Nothing else reads inputs. The rules for each concern are in
 * inputs/ (source, session, roles, network, refresh) and rules/; the order they run in is here.
 */
import { nameVariable, withEnvironmentInputs } from '../runner/environment-inputs.js'
import type { RunContext } from '../runner/github-context.js'
import { readInherited } from '../runner/inherited-variables.js'
import type { Settings } from '../settings.js'
import { parseBoolean } from '../rules/boolean.js'
import { InputError, quote } from '../rules/input-error.js'
import { parseAccountIds } from '../rules/lists.js'
import { parseProfileName } from '../rules/role-profiles.js'
import { readAttempts, readProxy, readRegion, readStsEndpoint } from './network.js'
import { checkInputNames } from './declared.js'
import { boundedReader, type InputReader } from '../runner/input-reader.js'
import { checkRefreshable } from './refresh.js'
import { readProfileRoles, readRole } from './roles.js'
import { readSessionOptions } from './session.js'
import { chooseSource, readAccessKeys } from './source.js'

export type { InputReader } from '../runner/input-reader.js'

/** Attempts per call with special-characters-workaround (configure-aws-credentials forces 12). */
const WORKAROUND_ATTEMPTS = 12

/**
 * Inputs first; an empty input may be filled from its environment variable (runner/environment-inputs.ts),
 * and an error about such an input names the variable. Before any of them, the INPUT_ variables
 * that are not ours (inputs/declared.ts): a misspelt input fails here.
 */
export function readSettings(
  reader: InputReader,
  env: NodeJS.ProcessEnv,
  context: RunContext
): Settings {
  const warnings = checkInputNames(env)
  const { reader: filled, supplied } = withEnvironmentInputs(reader, env)
  try {
    const plan = readPlan(filled, env, context, warnings)
    return { ...plan, inputsFromEnvironment: supplied, warnings }
  } catch (error) {
    throw nameVariable(error, supplied)
  }
}

/** The rules run in this order, so of several bad inputs the same one is always named. */
function readPlan(
  reader: InputReader,
  env: NodeJS.ProcessEnv,
  context: RunContext,
  warnings: string[]
): Omit<Settings, 'inputsFromEnvironment' | 'warnings'> {
  const input = boundedReader(reader)
  const flag = (name: string, fallback: boolean): boolean =>
    parseBoolean(name, input.get(name), fallback)

  const endpoint = readStsEndpoint(input, env)
  // As before AWS_ENDPOINT_URL* were read here: the partition rules relax for sts-endpoint only.
  const customEndpoint = endpoint?.origin === 'sts-endpoint'
  const region = readRegion(input, env, customEndpoint)
  const unsetCurrentCredentials = flag('unset-current-credentials', false)
  const roleChaining = flag('role-chaining', false)
  const keys = readAccessKeys(input)
  const roleText = input.get('role-to-assume')
  const roleProfilesText = input.get('role-profiles')
  const wantsRole = Boolean(roleText || roleProfilesText)
  const source = chooseSource({
    input,
    env,
    keys,
    roleChaining,
    skipOidc: flag('force-skip-oidc', false) || !wantsRole
  })
  // Neither a role nor keys: like configure-aws-credentials with only aws-region, the step checks
  // the credentials the runner already has (GetCallerIdentity) and exports the region.
  if (!wantsRole && source.kind === 'token-file') {
    throw new InputError(
      'web-identity-token-file',
      'needs role-to-assume: the token is exchanged for a session of that role.'
    )
  }
  if (!roleText && roleChaining) {
    throw new InputError(
      'role-chaining',
      'needs role-to-assume: the role to assume from the current credentials.'
    )
  }
  const roleContext = { source, region, customEndpoint, roleChaining }
  const options = wantsRole
    ? readSessionOptions({
        input,
        source,
        roleChaining,
        context,
        flag,
        warn: text => warnings.push(text)
      })
    : undefined
  const role = roleText && options ? readRole(roleContext, options, roleText) : undefined
  const profileRoles =
    roleProfilesText && options ? readProfileRoles(roleContext, options, roleProfilesText) : []
  const profileName = input.get('aws-profile')
  const profile = profileName ? { name: parseProfileName('aws-profile', profileName) } : undefined
  if (profile && profileRoles.some(entry => entry.profile === profile.name)) {
    throw new InputError(
      'role-profiles',
      `names profile ${quote(profile.name)}, which aws-profile also names.`
    )
  }
  const refreshCredentials = flag('refresh-credentials', false)
  if (refreshCredentials) checkRefreshable({ source, profile, role, options, profileRoles })

  const retryDisabled = flag('disable-retry', false)
  const attempts = readAttempts(input, retryDisabled)
  // As configure-aws-credentials documents it: the workaround overrides disable-retry and
  // retry-max-attempts (12 attempts); here still of transient failures only.
  const specialCharactersWorkaround = flag('special-characters-workaround', false)
  const given = [
    ...(retryDisabled ? ['disable-retry'] : []),
    ...(input.get('retry-max-attempts') ? ['retry-max-attempts'] : [])
  ]
  if (specialCharactersWorkaround && given.length > 0) {
    warnings.push(
      `Input '${given.join("' and '")}' ${given.length > 1 ? 'are' : 'is'} ignored: special-characters-workaround is true, and then transient failures are retried up to ${WORKAROUND_ATTEMPTS} times, as configure-aws-credentials does.`
    )
  }
  const maxAttempts = specialCharactersWorkaround ? WORKAROUND_ATTEMPTS : attempts.maxAttempts
  const { actionTimeoutMs } = attempts

  return {
    region,
    source,
    role,
    stsEndpoint: endpoint?.url,
    stsEndpointOrigin: endpoint?.origin,
    allowedAccountIds: parseAccountIds('allowed-account-ids', input.get('allowed-account-ids')),
    maskAccountId: flag('mask-aws-account-id', false),
    outputCredentials: flag('output-credentials', false),
    // With a named profile the profile is the product; env credentials only when asked for.
    outputEnvCredentials: flag('output-env-credentials', profile === undefined),
    unsetCurrentCredentials,
    inherited: readInherited(env),
    retry: { maxAttempts, actionTimeoutMs },
    specialCharactersWorkaround,
    profile,
    profileRoles,
    overwriteProfiles: flag('overwrite-aws-profile', false),
    refreshCredentials,
    useExistingCredentials: flag('use-existing-credentials', false),
    proxy: readProxy(input, env)
  }
}
