/** The roles to assume: role-to-assume (a full ARN, or a bare name with credentials) and role-profiles. */
import { isBareRoleName, parseRoleArn } from '../rules/arn.js'
import { InputError } from '../rules/input-error.js'
import { parsePartitionMatch, parseRegion } from '../rules/region.js'
import { parseRoleProfiles } from '../rules/role-profiles.js'
import { parseExternalId } from '../rules/session.js'
import { parseWholeNumber } from '../rules/whole-number.js'
import type { ProfileRole, RoleRequest, SourcePlan } from '../settings.js'
import { DURATION, type SessionOptions } from './session.js'
import { isWebIdentity } from './source.js'

/** What the role rules need from the rest of the plan. */
export interface RoleContext {
  source: SourcePlan
  region: string
  customEndpoint: boolean
  roleChaining: boolean
}

export function readRole(
  context: RoleContext,
  options: SessionOptions,
  roleText: string
): RoleRequest {
  const { source, region, customEndpoint } = context
  // Like configure-aws-credentials, a bare name is resolved in the account of the credentials
  // that call STS (keys, role chaining, the runner's own); a web identity token has no account.
  if (isBareRoleName(roleText) && isWebIdentity(source)) {
    throw new InputError(
      'role-to-assume',
      'is a bare role name; give the full ARN (arn:aws:iam::ACCOUNT:role/NAME). A bare name is resolved in the account of the source credentials, and a web identity token (OIDC or a token file) has none.'
    )
  }
  const role = isBareRoleName(roleText)
    ? { bareName: roleText }
    : parseRoleArn('role-to-assume', roleText, customEndpoint)
  if ('arn' in role && !customEndpoint)
    parsePartitionMatch('role-to-assume', role.partition, region)
  return { ...options, role }
}

/** role-profiles: each line's role, with its own region, duration and external ID when given. */
export function readProfileRoles(
  context: RoleContext,
  options: SessionOptions,
  text: string
): ProfileRole[] {
  const { customEndpoint, roleChaining, source } = context
  return parseRoleProfiles('role-profiles', text).map(line => {
    const region = line.region
      ? parseRegion('role-profiles', line.region, customEndpoint)
      : context.region
    const role = parseRoleArn('role-profiles', line.roleArn, customEndpoint)
    if (!customEndpoint) parsePartitionMatch('role-profiles', role.partition, region)
    if (line.externalId && isWebIdentity(source)) {
      throw new InputError(
        'role-profiles',
        'cannot give external-id= with web identity (OIDC or a token file).'
      )
    }
    const durationSeconds = line.duration
      ? parseWholeNumber(
          'role-profiles',
          line.duration,
          {
            min: DURATION.min,
            max: roleChaining ? DURATION.chained : DURATION.max
          },
          'seconds (duration=)'
        )
      : options.durationSeconds
    return {
      profile: line.profile,
      region,
      request: {
        ...options,
        role,
        durationSeconds,
        externalId: line.externalId
          ? parseExternalId('role-profiles', line.externalId)
          : options.externalId
      }
    }
  })
}
