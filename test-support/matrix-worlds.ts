/**
 * Emulator worlds for matrix jobs (one leg per account), built on the seed world as
 * docs/matrix.md ("The IAM side for N accounts") sets up IAM: per-account roles trusting GitHub's
 * OIDC provider, or trusting one IAM user together with an external ID.
 */
import { GITHUB_ISSUER, SEED, seedWorld, type IamRole, type World } from './emulator/index.js'

/** One matrix entry, as the sample's `include:` or repository variable lists it. */
export interface MatrixEntry {
  account: string
  role: string
  region: string
}

/** The access-keys matrix of the demo: a role per account trusting the seed user. */
export const KEYS_MATRIX = {
  externalId: 'matrix-demo-external-id-5b1e',
  /** Account 444444444444's role trusts another user: the leg that shows how a failure reads. */
  untrustingAccount: '444444444444',
  otherUser: 'arn:aws:iam::444444444444:user/ci/other-deployer',
  entries: [
    { account: SEED.accounts.main, region: 'us-east-1' },
    { account: SEED.accounts.cross, region: 'eu-west-1' },
    { account: SEED.accounts.third, region: 'us-west-2' },
    { account: '444444444444', region: 'us-east-1' }
  ].map(e => ({ ...e, role: `arn:aws:iam::${e.account}:role/ci-deploy` })) as MatrixEntry[]
}

/**
 * The seed world plus, in each of its three accounts, `role/ci-deploy` whose trust names the seed
 * user and requires KEYS_MATRIX.externalId (the user lives in 111111111111, so the other two are
 * cross-account), and a fourth account whose `ci-deploy` trusts a different user. The seed user's
 * identity policy allows all four roles, so the fourth fails on the trust side only.
 */
export function keysMatrixWorld(): World {
  const world = seedWorld()
  const user = world.users.find(u => u.arn === SEED.user.arn)
  if (!user) throw new Error('the seed world has no seed user')
  for (const entry of KEYS_MATRIX.entries) {
    const trusted =
      entry.account === KEYS_MATRIX.untrustingAccount ? KEYS_MATRIX.otherUser : user.arn
    world.roles.push({
      arn: entry.role,
      maxSessionDuration: 3600,
      trust: [
        {
          principal: { AWS: trusted },
          conditions: { StringEquals: { 'sts:ExternalId': KEYS_MATRIX.externalId } },
          allowTagSession: true
        }
      ],
      buckets: [`ci-deploy-${entry.account}`]
    })
    user.canAssume.push(entry.role)
  }
  world.accounts = { ...world.accounts, [KEYS_MATRIX.untrustingAccount]: {} }
  return world
}

const providerArn = (account: string): string =>
  `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`

/**
 * `accounts` accounts, each with GitHub's OIDC provider and `role/github-deploy` trusting exactly
 * the seed repository's main branch. Account IDs are 000000000001, 000000000002, …: leading zeros
 * on purpose, since a matrix must keep account IDs as strings.
 */
export function fanOutWorld(accounts: number): { world: World; entries: MatrixEntry[] } {
  const prefix = GITHUB_ISSUER.replace('https://', '')
  const entries = Array.from({ length: accounts }, (_, i) => {
    const account = String(i + 1).padStart(12, '0')
    return { account, role: `arn:aws:iam::${account}:role/github-deploy`, region: SEED.region }
  })
  const roles: IamRole[] = entries.map(e => ({
    arn: e.role,
    maxSessionDuration: 3600,
    trust: [
      {
        principal: { Federated: providerArn(e.account) },
        conditions: {
          StringEquals: {
            [`${prefix}:aud`]: SEED.oidc.audience,
            [`${prefix}:sub`]: SEED.oidc.subject
          }
        }
      }
    ]
  }))
  return {
    entries,
    world: {
      users: [],
      roles,
      oidcProviders: entries.map(e => ({
        arn: providerArn(e.account),
        url: GITHUB_ISSUER,
        clientIds: [SEED.oidc.audience]
      })),
      accounts: Object.fromEntries(entries.map(e => [e.account, {}])),
      allowEmptyAccountRoleArns: false
    }
  }
}
