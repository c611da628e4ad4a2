/**
 * Named profiles: aws-profile and role-profiles write each session to the shared credentials and
 * config files, either as static keys or, with refresh-credentials, as a profile the AWS CLI and
 * SDKs renew by themselves. Records every change so the post step can undo it exactly.
 */
import { resolve } from 'node:path'
import type { Outcome } from './assume.js'
import { InputError, quote } from './rules/input-error.js'
import { loadSharedConfigFiles } from '@smithy/core/config'
import {
  configHeader,
  privateTempPath,
  profilePaths,
  writePrivate,
  writeSections,
  type FileChange,
  type ProfileBackup,
  type ProfilePaths,
  type Section
} from './profile-files.js'
import type { RoleRequest, Settings } from './settings.js'
import type { CredentialProcessConfig } from './credential-process.js'

export interface ProfileEntry {
  profile: string
  region: string
  outcome: Outcome
  request?: RoleRequest
}

/** Profile names this run will write, checked before any network call. */
export function plannedProfiles(settings: Settings): string[] {
  return [
    ...(settings.profile ? [settings.profile.name] : []),
    ...settings.profileRoles.map(entry => entry.profile)
  ]
}

/** An existing profile of the same name is an error unless overwrite-aws-profile is set. */
export async function checkProfilesFree(settings: Settings, env: NodeJS.ProcessEnv): Promise<void> {
  const names = plannedProfiles(settings)
  if (names.length === 0 || settings.overwriteProfiles) return
  const existing = await existingProfiles(profilePaths(env))
  const taken = names.find(name => existing.has(name))
  if (taken) {
    const input = settings.profile?.name === taken ? 'aws-profile' : 'role-profiles'
    throw new InputError(
      input,
      `names profile ${quote(taken)}, which already exists in the shared config or credentials file; set overwrite-aws-profile: true to replace it.`
    )
  }
}

/**
 * Writes every profile at once, after every role succeeded, so a failure leaves no half-written
 * set. Returns what the post step needs to undo it.
 */
export async function writeProfiles(
  settings: Settings,
  entries: ProfileEntry[],
  env: NodeJS.ProcessEnv
): Promise<ProfileBackup> {
  const paths = profilePaths(env)
  const credentials: Section[] = []
  const config: Section[] = []
  const files: string[] = []
  for (const entry of entries) {
    const { session } = entry.outcome
    const configEntries: Array<[string, string]> = [['region', entry.region]]
    if (settings.refreshCredentials && entry.request && 'arn' in entry.request.role) {
      const roleArn = entry.request.role.arn
      if (settings.source.kind === 'access-keys') {
        // The SDKs' own assume-role profile: they call STS with the source keys when needed.
        const sourceProfile = `${entry.profile}-source-keys`
        credentials.push({ header: sourceProfile, entries: keyEntries(settings.source.keys) })
        configEntries.push(
          ['role_arn', roleArn],
          ['source_profile', sourceProfile],
          ['role_session_name', entry.request.sessionName],
          ['duration_seconds', String(entry.request.durationSeconds)]
        )
        if (entry.request.externalId) configEntries.push(['external_id', entry.request.externalId])
      } else if (settings.source.kind === 'github-oidc') {
        const file = privateTempPath(env, `${entry.profile}-process`)
        const processConfig: CredentialProcessConfig = {
          requestUrl: settings.source.requestUrl,
          requestToken: settings.source.requestToken,
          audience: settings.source.audience,
          roleArn,
          sessionName: entry.request.sessionName,
          durationSeconds: entry.request.durationSeconds,
          region: entry.region,
          stsEndpoint: settings.stsEndpoint,
          maxAttempts: settings.retry.maxAttempts,
          inlinePolicy: entry.request.inlinePolicy,
          managedPolicies: entry.request.managedPolicies,
          proxy: settings.proxy
        }
        await writePrivate(file, JSON.stringify(processConfig))
        files.push(file)
        configEntries.push(['credential_process', credentialProcessCommand(file)])
      }
    } else {
      credentials.push({
        header: entry.profile,
        entries: keyEntries(session.credentials)
      })
    }
    config.push({ header: configHeader(entry.profile), entries: configEntries })
  }
  const changes: FileChange[] = []
  if (credentials.length > 0) changes.push(await writeSections(paths.credentials, credentials))
  changes.push(await writeSections(paths.config, config))
  return { changes, files }
}

function keyEntries(keys: {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}): Array<[string, string]> {
  const entries: Array<[string, string]> = [
    ['aws_access_key_id', keys.accessKeyId],
    ['aws_secret_access_key', keys.secretAccessKey]
  ]
  if (keys.sessionToken) entries.push(['aws_session_token', keys.sessionToken])
  return entries
}

/** `"<node>" "<this action's bundle>" credential-process "<config file>"`, quoted for the CLI's shlex. */
function credentialProcessCommand(configFile: string): string {
  // The main step was started as `node <action>/dist/index.js`: that bundle serves the process.
  const bundle = resolve(process.argv[1] ?? 'dist/index.js')
  return [process.execPath, bundle, 'credential-process', configFile]
    .map(part => `"${part}"`)
    .join(' ')
}

/** Profiles already defined in either file, as the SDK reads them. */
async function existingProfiles(paths: ProfilePaths): Promise<Set<string>> {
  const files = await loadSharedConfigFiles({
    filepath: paths.credentials,
    configFilepath: paths.config,
    ignoreCache: true
  })
  return new Set([...Object.keys(files.credentialsFile), ...Object.keys(files.configFile)])
}
