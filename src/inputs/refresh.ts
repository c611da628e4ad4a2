/** The rules refresh-credentials adds: profiles that assume the role again later must be able to. */
import { InputError } from '../rules/input-error.js'
import type { ProfileRole, RoleRequest, Settings, SourcePlan } from '../settings.js'
import type { SessionOptions } from './session.js'

export interface RefreshPlan {
  source: SourcePlan
  profile: Settings['profile']
  role: RoleRequest | undefined
  options: SessionOptions | undefined
  profileRoles: ProfileRole[]
}

/**
 * refresh-credentials writes profiles that assume a role again later, so it needs: a profile to
 * write, a source usable later (keys or OIDC), the role as a full ARN, and, with keys, no session
 * policy (the SDKs' role_arn profile cannot carry one, and a renewed session must not have more
 * rights than the first).
 */
export function checkRefreshable({
  source,
  profile,
  role,
  options,
  profileRoles
}: RefreshPlan): void {
  const input = 'refresh-credentials'
  if (!profile && profileRoles.length === 0) {
    throw new InputError(input, 'needs aws-profile or role-profiles: it writes profiles.')
  }
  if (source.kind !== 'access-keys' && source.kind !== 'github-oidc') {
    throw new InputError(
      input,
      'works with access keys or GitHub OIDC as the source; credentials from the environment or a token file cannot be renewed later.'
    )
  }
  if (profile && !role) {
    throw new InputError(
      input,
      'with aws-profile needs role-to-assume: the profile renews that role.'
    )
  }
  if (role && !('arn' in role.role)) {
    throw new InputError(input, 'needs role-to-assume as a full ARN: the profile names the role.')
  }
  if (source.kind === 'access-keys' && (options?.inlinePolicy || options?.managedPolicies.length)) {
    throw new InputError(
      input,
      "with access keys writes the SDKs' own role_arn profile, which cannot carry session policies; drop inline-session-policy and managed-session-policies, or use OIDC."
    )
  }
}
