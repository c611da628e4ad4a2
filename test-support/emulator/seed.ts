/**
 * The default world: the accounts, users and roles the project's scenarios use (a personal IAM
 * user assuming a deploy role, a cross-account role guarded by an external ID, GitHub OIDC roles
 * in three accounts, role chaining, duration limits, and a role without sts:TagSession).
 * The access keys are AWS's documented example keys: obviously fake, never valid anywhere.
 */
import { GITHUB_ISSUER, type IamRole, type World } from './world.js'

const A1 = '111111111111'
const A2 = '222222222222'
const A3 = '333333333333'

const oidcProviderArn = (account: string): string =>
  `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`

/** Everything a test needs to address the seed world. */
export const SEED = {
  region: 'us-east-1',
  accounts: { main: A1, cross: A2, third: A3 },
  user: {
    arn: `arn:aws:iam::${A1}:user/personal/localuser`,
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  },
  robot: {
    arn: `arn:aws:iam::${A1}:user/auto/robot`,
    accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
    secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'
  },
  externalId: 'seed-external-id-7f3a9c',
  roles: {
    /** Trusts the user (and ec2.amazonaws.com); TagSession + SetSourceIdentity; max 12 h. */
    deploy: `arn:aws:iam::${A1}:role/deploy`,
    /** Cross-account, trusts account 111111111111's root with sts:ExternalId. */
    crossAccount: `arn:aws:iam::${A2}:role/AllowPutToS3`,
    /** GitHub OIDC: aud sts.amazonaws.com, sub repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/main. */
    githubDeploy: `arn:aws:iam::${A1}:role/github-deploy`,
    /** GitHub OIDC, trust written for the legacy sub repo:octo-org/octo-repo:ref:refs/heads/main. */
    githubLegacy: `arn:aws:iam::${A1}:role/github-legacy`,
    /** MaxSessionDuration 3600, trusts the user. */
    shortSession: `arn:aws:iam::${A1}:role/short-session`,
    /** Trusted by `deploy` sessions (role chaining), TagSession allowed, max 12 h. */
    chainTarget: `arn:aws:iam::${A1}:role/chain-target`,
    /** Trusts the user but its trust does NOT allow sts:TagSession. */
    noTags: `arn:aws:iam::${A1}:role/no-tags`,
    /** Trusts the user by name, but the user's identity policy does not allow it. */
    trustOnly: `arn:aws:iam::${A1}:role/trust-only`,
    /** The robot user's only role. */
    robot: `arn:aws:iam::${A1}:role/robot`,
    /** RGW/MinIO-style ARN with an empty account; only works with allowEmptyAccountRoleArns. */
    emptyAccount: 'arn:aws:iam:::role/rgw-deploy'
  },
  /** `role/github-deploy` in each of the three accounts, for matrix jobs. */
  githubDeployRoles: [A1, A2, A3].map(a => `arn:aws:iam::${a}:role/github-deploy`),
  oidc: {
    issuer: GITHUB_ISSUER,
    audience: 'sts.amazonaws.com',
    /** GitHub's immutable form (the emulator's default): owner and repository IDs after the names. */
    subject: 'repo:octo-org@1000001/octo-repo@2000002:ref:refs/heads/main',
    /** What repositories that have not moved to immutable subjects still emit. */
    legacySubject: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    /** The prefix of every sub of the seed repository, for StringLike conditions. */
    repositoryPrefix: 'repo:octo-org@1000001/octo-repo@2000002:',
    ownerId: '1000001',
    repositoryId: '2000002',
    providerArns: [A1, A2, A3].map(oidcProviderArn)
  },
  buckets: {
    deploy: 'seed-private-bucket',
    crossAccount: 'cross-account-bucket',
    user: 'localuser-scratch-bucket'
  }
} as const

function githubRole(
  account: string,
  subject: { equals?: string; like?: string },
  name = 'github-deploy'
): IamRole {
  const sub = `${GITHUB_ISSUER.replace('https://', '')}:sub`
  const aud = `${GITHUB_ISSUER.replace('https://', '')}:aud`
  return {
    arn: `arn:aws:iam::${account}:role/${name}`,
    maxSessionDuration: 3600,
    trust: [
      {
        principal: { Federated: oidcProviderArn(account) },
        conditions: {
          StringEquals: {
            [aud]: SEED.oidc.audience,
            ...(subject.equals ? { [sub]: subject.equals } : {})
          },
          ...(subject.like ? { StringLike: { [sub]: subject.like } } : {})
        },
        allowTagSession: true
      }
    ],
    buckets: [`deploy-artifacts-${account}`]
  }
}

/** A fresh copy of the default world (safe to mutate per test). */
export function seedWorld(): World {
  const { roles, user, robot } = SEED
  const trustUser = { principal: { AWS: user.arn } }
  return {
    users: [
      {
        arn: user.arn,
        accessKeys: [{ accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }],
        canAssume: [
          roles.deploy,
          roles.crossAccount,
          roles.shortSession,
          roles.noTags,
          roles.emptyAccount
        ],
        buckets: [SEED.buckets.user]
      },
      {
        arn: robot.arn,
        accessKeys: [{ accessKeyId: robot.accessKeyId, secretAccessKey: robot.secretAccessKey }],
        canAssume: [roles.robot]
      }
    ],
    roles: [
      {
        arn: roles.deploy,
        maxSessionDuration: 43200,
        trust: [
          { ...trustUser, allowTagSession: true, allowSetSourceIdentity: true },
          { principal: { Service: 'ec2.amazonaws.com' } }
        ],
        canAssume: [roles.chainTarget],
        buckets: [SEED.buckets.deploy]
      },
      {
        arn: roles.crossAccount,
        maxSessionDuration: 3600,
        trust: [
          {
            principal: { AWS: `arn:aws:iam::${A1}:root` },
            conditions: { StringEquals: { 'sts:ExternalId': SEED.externalId } },
            allowTagSession: true
          }
        ],
        buckets: [SEED.buckets.crossAccount]
      },
      githubRole(A1, { equals: SEED.oidc.subject }),
      githubRole(A1, { equals: SEED.oidc.legacySubject }, 'github-legacy'),
      githubRole(A2, { like: `${SEED.oidc.repositoryPrefix}*` }),
      githubRole(A3, { like: `${SEED.oidc.repositoryPrefix}*` }),
      {
        arn: roles.shortSession,
        maxSessionDuration: 3600,
        trust: [{ ...trustUser, allowTagSession: true }]
      },
      {
        arn: roles.chainTarget,
        maxSessionDuration: 43200,
        trust: [{ principal: { AWS: roles.deploy }, allowTagSession: true }],
        buckets: ['chain-target-bucket']
      },
      { arn: roles.noTags, maxSessionDuration: 3600, trust: [trustUser] },
      { arn: roles.trustOnly, maxSessionDuration: 3600, trust: [trustUser] },
      {
        arn: roles.robot,
        maxSessionDuration: 3600,
        trust: [{ principal: { AWS: robot.arn }, allowTagSession: true }]
      },
      {
        arn: roles.emptyAccount,
        maxSessionDuration: 3600,
        trust: [{ ...trustUser, allowTagSession: true }]
      }
    ],
    oidcProviders: [A1, A2, A3].map(a => ({
      arn: oidcProviderArn(a),
      url: GITHUB_ISSUER,
      clientIds: [SEED.oidc.audience]
    })),
    accounts: { [A1]: {}, [A2]: {}, [A3]: {} },
    allowEmptyAccountRoleArns: false
  }
}
