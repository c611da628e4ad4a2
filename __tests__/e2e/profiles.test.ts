/**
 * Named profiles, several roles in one step, credentials that refresh themselves, full cleanup,
 * source identity and use-existing-credentials: through the committed bundle, then the AWS CLI
 * (or the SDK's own profile resolution) using what was written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromIni } from '@aws-sdk/credential-provider-ini'
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { expectMode } from '../../test-support/platform.js'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import {
  MAIN_ENTRY,
  awsCli,
  errorMessage,
  githubContext,
  newJobDir,
  runPost,
  runStep,
  type StepResult
} from '../../test-support/runner.js'

let emu: Emulator
/** Issues credentials that expire 2 s after issue, to watch profiles refresh. */
let shortLived: Emulator
beforeAll(async () => {
  emu = await startEmulator()
  shortLived = await startEmulator({ credentialLifetimeSeconds: 2 })
})
afterAll(async () => {
  await emu.close()
  await shortLived.close()
})
beforeEach(() => {
  emu.resetStats()
  shortLived.resetStats()
})

const keys = {
  'aws-access-key-id': SEED.user.accessKeyId,
  'aws-secret-access-key': SEED.user.secretAccessKey
}

function oidcEnv(server: Emulator = emu): Record<string, string> {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: server.oidcRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: server.oidcRequestToken
  }
}

/** A job whose home already has a profile and comments another tool wrote. */
function jobWithExistingFiles(): {
  jobDir: string
  credentials: string
  config: string
  before: { credentials: string; config: string }
} {
  const jobDir = newJobDir()
  const aws = join(githubContext(jobDir).HOME ?? '', '.aws')
  mkdirSync(aws, { recursive: true, mode: 0o700 })
  const before = {
    credentials:
      '# managed by hand\n[other]\naws_access_key_id = AKIAOTHEREXAMPLE\naws_secret_access_key = other/secret\n\n; trailing comment\n',
    config:
      '[default]\nregion = eu-central-1\n# keep me\n\n[profile other]\nregion = us-west-2\noutput = json\n'
  }
  const credentials = join(aws, 'credentials')
  const config = join(aws, 'config')
  writeFileSync(credentials, before.credentials, { mode: 0o600 })
  writeFileSync(config, before.config, { mode: 0o600 })
  return { jobDir, credentials, config, before }
}

function expectNoLeak(result: StepResult): void {
  for (const secret of [SEED.user.secretAccessKey, ...emu.secretsSeen()]) {
    expect(result.log.join('\n')).not.toContain(secret)
    expect(result.stderr).not.toContain(secret)
    expect(result.summary).not.toContain(secret)
  }
}

describe('aws-profile', () => {
  test('writes the profile beside the existing ones, byte for byte, 0600; the CLI uses it; post restores the files exactly', async () => {
    const { jobDir, credentials, config, before } = jobWithExistingFiles()
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'sts-endpoint': emu.url,
        'aws-profile': 'ci-deploy'
      }
    })
    expect(main.code).toBe(0)
    expect(main.env).toEqual({
      AWS_PROFILE: 'ci-deploy',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1'
    })
    expectNoLeak(main)

    const credentialsText = readFileSync(credentials, 'utf8')
    expect(credentialsText.startsWith(before.credentials)).toBe(true)
    expect(credentialsText).toMatch(
      /\[ci-deploy\]\naws_access_key_id = ASIA\w+\naws_secret_access_key = \S+\naws_session_token = \S+\n$/
    )
    expect(readFileSync(config, 'utf8')).toBe(
      `${before.config}\n[profile ci-deploy]\nregion = us-east-1\n`
    )
    expectMode(credentials, 0o600)
    expectMode(config, 0o600)

    const cli = await awsCli(['sts', 'get-caller-identity'], main.env, emu.url, { jobDir })
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout).Arn).toBe(
      'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'
    )

    const post = await runPost(main, { jobDir })
    expect(post.code).toBe(0)
    expect(post.env.AWS_PROFILE).toBe('')
    expect(readFileSync(credentials, 'utf8')).toBe(before.credentials)
    expect(readFileSync(config, 'utf8')).toBe(before.config)
  })

  test('a fresh home gets a 0700 folder; post deletes the files it created', async () => {
    const jobDir = newJobDir()
    const aws = join(githubContext(jobDir).HOME ?? '', '.aws')
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'sts-endpoint': emu.url,
        'aws-profile': 'default'
      }
    })
    expect(main.code).toBe(0)
    expectMode(aws, 0o700)
    expect(readFileSync(join(aws, 'config'), 'utf8')).toBe('[default]\nregion = us-east-1\n')
    await runPost(main, { jobDir })
    expect(existsSync(join(aws, 'credentials'))).toBe(false)
    expect(existsSync(join(aws, 'config'))).toBe(false)
  })

  test('an existing profile is refused before any call unless overwrite-aws-profile; overwritten content comes back after post', async () => {
    const { jobDir, credentials, before } = jobWithExistingFiles()
    const inputs = {
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.deploy,
      ...keys,
      'sts-endpoint': emu.url,
      'aws-profile': 'other'
    }
    const refused = await runStep(MAIN_ENTRY, { jobDir, inputs })
    expect(refused.code).toBe(1)
    expect(errorMessage(refused)).toContain(
      'Input \'aws-profile\' names profile "other", which already exists'
    )
    expect(emu.stats().requests).toBe(0)
    expect(refused.env).toEqual({})
    expect(readFileSync(credentials, 'utf8')).toBe(before.credentials)

    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      inputs: { ...inputs, 'overwrite-aws-profile': 'true' }
    })
    expect(main.code).toBe(0)
    const replaced = readFileSync(credentials, 'utf8')
    expect(replaced).not.toContain('AKIAOTHEREXAMPLE')
    expect(replaced.startsWith('# managed by hand\n[other]\naws_access_key_id = ASIA')).toBe(true)
    // The comment after the replaced section belongs to what follows it: it stays.
    expect(replaced.endsWith('\n; trailing comment\n')).toBe(true)
    await runPost(main, { jobDir })
    expect(readFileSync(credentials, 'utf8')).toBe(before.credentials)
  })

  test('a credentials file that is a symbolic link is refused and left alone', async () => {
    const jobDir = newJobDir()
    const aws = join(githubContext(jobDir).HOME ?? '', '.aws')
    mkdirSync(aws, { recursive: true })
    const target = join(jobDir, 'elsewhere')
    writeFileSync(target, 'untouched\n')
    symlinkSync(target, join(aws, 'credentials'))
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'sts-endpoint': emu.url,
        'aws-profile': 'ci'
      }
    })
    expect(main.code).toBe(1)
    expect(errorMessage(main)).toContain('symbolic link')
    expect(main.env).toEqual({})
    expect(readFileSync(target, 'utf8')).toBe('untouched\n')
  })
})

describe('where the files are', () => {
  test('~ in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE is HOME, for the action and the CLI alike', async () => {
    const jobDir = newJobDir()
    const home = githubContext(jobDir).HOME ?? ''
    const env = {
      AWS_CONFIG_FILE: '~/custom/config',
      AWS_SHARED_CREDENTIALS_FILE: '~/custom/credentials'
    }
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      env,
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'sts-endpoint': emu.url,
        'aws-profile': 'tilde'
      }
    })
    expect(main.code).toBe(0)
    expect(readFileSync(join(home, 'custom', 'config'), 'utf8')).toContain('[profile tilde]')
    expect(existsSync(join(process.cwd(), '~'))).toBe(false)
    const cli = await awsCli(['sts', 'get-caller-identity'], { ...env, ...main.env }, emu.url, {
      jobDir
    })
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout).Arn).toBe(
      'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'
    )
    // The "profile exists" check reads the same file.
    const again = await runStep(MAIN_ENTRY, {
      jobDir,
      env,
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'sts-endpoint': emu.url,
        'aws-profile': 'tilde'
      }
    })
    expect(again.code).toBe(1)
    expect(errorMessage(again)).toContain('names profile "tilde", which already exists')
  })

  test('a .aws folder that is a symbolic link is refused; nothing is written through it', async () => {
    const jobDir = newJobDir()
    const home = githubContext(jobDir).HOME ?? ''
    mkdirSync(home, { recursive: true })
    mkdirSync(join(jobDir, 'elsewhere'))
    symlinkSync(join(jobDir, 'elsewhere'), join(home, '.aws'), 'junction')
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'sts-endpoint': emu.url,
        'aws-profile': 'ci'
      }
    })
    expect(main.code).toBe(1)
    expect(errorMessage(main)).toContain(`${join(home, '.aws')} is a symbolic link`)
    expect(main.env).toEqual({})
    expect(existsSync(join(jobDir, 'elsewhere', 'credentials'))).toBe(false)
  })
})

describe('role-profiles: several roles in one step', () => {
  const profiles = SEED.githubDeployRoles.map((arn, index) => `acct${index + 1}=${arn}`).join('\n')

  test('one ID token, one AssumeRoleWithWebIdentity per role in parallel, one profile each; the CLI sees each account', async () => {
    const jobDir = newJobDir()
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      env: oidcEnv(),
      inputs: {
        'aws-region': 'us-east-1',
        'role-profiles': `${profiles}\n`,
        'sts-endpoint': emu.url
      }
    })
    expect(main.code).toBe(0)
    expect(emu.stats()).toMatchObject({ idToken: 1, AssumeRoleWithWebIdentity: 3, AssumeRole: 0 })
    expect(main.env).toEqual({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' })
    expect(main.summary).toContain(
      '| `acct2` | `arn:aws:sts::222222222222:assumed-role/github-deploy/GitHubActions` | us-east-1 |'
    )
    expectNoLeak(main)
    const accounts = await Promise.all(
      ['acct1', 'acct2', 'acct3'].map(async profile => {
        const cli = await awsCli(
          ['sts', 'get-caller-identity', '--profile', profile],
          main.env,
          emu.url,
          { jobDir }
        )
        expect(cli.code).toBe(0)
        return JSON.parse(cli.stdout).Account as string
      })
    )
    expect(accounts).toEqual(['111111111111', '222222222222', '333333333333'])
  })

  test('one role failing fails the step naming its profile and writes no profile at all', async () => {
    const jobDir = newJobDir()
    const home = githubContext(jobDir).HOME ?? ''
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      env: oidcEnv(),
      inputs: {
        'aws-region': 'us-east-1',
        'role-profiles': `${profiles}\nbroken=${SEED.roles.deploy}`,
        'sts-endpoint': emu.url
      }
    })
    expect(main.code).toBe(1)
    expect(errorMessage(main)).toMatch(/^Profile broken: /)
    expect(main.env).toEqual({})
    expect(existsSync(join(home, '.aws', 'credentials'))).toBe(false)
    expect(existsSync(join(home, '.aws', 'config'))).toBe(false)
  })
})

describe('refresh-credentials', () => {
  test('OIDC: a credential_process profile; the CLI keeps working across several expiries without the action', async () => {
    const jobDir = newJobDir()
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      env: oidcEnv(shortLived),
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.githubDeploy,
        'aws-profile': 'long-job',
        'refresh-credentials': 'true',
        'sts-endpoint': shortLived.url
      }
    })
    expect(main.code).toBe(0)
    const config = readFileSync(join(githubContext(jobDir).HOME ?? '', '.aws', 'config'), 'utf8')
    const launcher =
      /\[profile long-job\]\nregion = us-east-1\ncredential_process = \/bin\/sh (\S+\/credential-process)\n/.exec(
        config
      )?.[1] ?? ''
    expect(
      launcher.startsWith(join(githubContext(jobDir).RUNNER_TEMP ?? '', 'assume-aws-role-'))
    ).toBe(true)
    expect(config).not.toContain('aws_secret_access_key')

    // The runner does not give run: steps the request variables: the process uses its 0600 file.
    for (let expiry = 0; expiry < 3; expiry++) {
      const before = shortLived.stats().AssumeRoleWithWebIdentity
      const cli = await awsCli(['sts', 'get-caller-identity'], main.env, shortLived.url, { jobDir })
      expect(cli.stderr).toBe('')
      expect(cli.code).toBe(0)
      expect(JSON.parse(cli.stdout).Arn).toBe(
        'arn:aws:sts::111111111111:assumed-role/github-deploy/GitHubActions'
      )
      // Credentials this short are inside botocore's refresh window at once: it may fetch twice.
      expect(shortLived.stats().AssumeRoleWithWebIdentity).toBeGreaterThan(before)
      shortLived.clock.advance(5) // the 2-second credentials just issued are now expired
    }

    const processConfig = join(dirname(launcher), 'config.json')
    expectMode(processConfig, 0o600)
    expectMode(dirname(launcher), 0o700)
    const post = await runPost(main, { jobDir })
    expect(post.code).toBe(0)
    expect(existsSync(dirname(launcher))).toBe(false)
  })

  test('access keys: the SDK assumes the role itself from role_arn + source_profile, again after each expiry', async () => {
    const jobDir = newJobDir()
    const main = await runStep(MAIN_ENTRY, {
      jobDir,
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.crossAccount,
        'role-external-id': SEED.externalId,
        ...keys,
        'aws-profile': 'cross',
        'refresh-credentials': 'true',
        'sts-endpoint': shortLived.url
      }
    })
    expect(main.code).toBe(0)
    const home = githubContext(jobDir).HOME ?? ''
    const config = readFileSync(join(home, '.aws', 'config'), 'utf8')
    expect(config).toContain(
      `[profile cross]\nregion = us-east-1\nrole_arn = ${SEED.roles.crossAccount}\nsource_profile = cross-source-keys\nrole_session_name = GitHubActions\nduration_seconds = 3600\nexternal_id = ${SEED.externalId}\n`
    )
    expectMode(join(home, '.aws', 'credentials'), 0o600)

    const credentials = fromIni({
      profile: 'cross',
      filepath: join(home, '.aws', 'credentials'),
      configFilepath: join(home, '.aws', 'config'),
      ignoreCache: true,
      clientConfig: { endpoint: shortLived.url, region: 'us-east-1' }
    })
    const client = new STSClient({ region: 'us-east-1', endpoint: shortLived.url, credentials })
    const before = shortLived.stats().AssumeRole
    for (let expiry = 0; expiry < 3; expiry++) {
      const identity = await client.send(new GetCallerIdentityCommand({}))
      expect(identity.Arn).toBe('arn:aws:sts::222222222222:assumed-role/AllowPutToS3/GitHubActions')
      shortLived.clock.advance(5)
    }
    expect(shortLived.stats().AssumeRole - before).toBeGreaterThanOrEqual(3)
    client.destroy()
  })

  test('is refused without a profile to write', async () => {
    const main = await runStep(MAIN_ENTRY, {
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'refresh-credentials': 'true',
        'sts-endpoint': emu.url
      }
    })
    expect(main.code).toBe(1)
    expect(errorMessage(main)).toContain(
      "Input 'refresh-credentials' needs aws-profile or role-profiles"
    )
  })
})

describe('source-identity and use-existing-credentials', () => {
  test('source-identity reaches AssumeRole; with web identity it is refused before any call', async () => {
    const main = await runStep(MAIN_ENTRY, {
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'source-identity': 'octocat',
        'sts-endpoint': emu.url
      }
    })
    expect(main.code).toBe(0)
    expect(emu.lastRequest('AssumeRole')?.sourceIdentity).toBe('octocat')

    emu.resetStats()
    const refused = await runStep(MAIN_ENTRY, {
      env: oidcEnv(),
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.githubDeploy,
        'source-identity': 'octocat',
        'sts-endpoint': emu.url
      }
    })
    expect(refused.code).toBe(1)
    expect(errorMessage(refused)).toContain(
      "Input 'source-identity' cannot be set with web identity"
    )
    expect(emu.stats().requests).toBe(0)
  })

  test('use-existing-credentials skips assuming when the environment credentials work, and assumes when they do not', async () => {
    const first = await runStep(MAIN_ENTRY, {
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': SEED.roles.deploy,
        ...keys,
        'sts-endpoint': emu.url
      }
    })
    expect(first.code).toBe(0)
    emu.resetStats()
    const inputs = {
      'aws-region': 'us-east-1',
      'role-to-assume': SEED.roles.deploy,
      ...keys,
      'use-existing-credentials': 'true',
      'sts-endpoint': emu.url
    }
    const reused = await runStep(MAIN_ENTRY, { env: first.env, inputs })
    expect(reused.code).toBe(0)
    expect(emu.stats()).toMatchObject({ GetCallerIdentity: 1, AssumeRole: 0 })
    expect(reused.env.AWS_ACCESS_KEY_ID).toBeUndefined()
    expect(reused.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions'
    )

    emu.resetStats()
    const stale = await runStep(MAIN_ENTRY, {
      env: { ...first.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' },
      inputs
    })
    expect(stale.code).toBe(0)
    expect(emu.stats()).toMatchObject({ GetCallerIdentity: 1, AssumeRole: 1 })
    expect(stale.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
  })
})
