/**
 * Named profiles: aws-profile and role-profiles write each session to the shared credentials and
 * config files, either as static keys or, with refresh-credentials, as a profile the AWS CLI and
 * SDKs renew by themselves. Records every change so the post step can undo it exactly.
 */
import { resolve } from 'node:path'
import type { Outcome } from './assume.js'
import { InputError, quote } from './rules/input-error.js'
import {
  configHeader,
  privateTempPath,
  profilePaths,
  writePrivate,
  undoProfiles,
  writeSections,
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
function plannedProfiles(settings: Settings): string[] {
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
 * Writes every profile at once, after every role succeeded; a failure half-way (a symlinked config
 * file) takes back what was written, so no half-written set is left. Returns what the post step
 * needs to undo it.
 */
export async function writeProfiles(
  settings: Settings,
  entries: ProfileEntry[],
  env: NodeJS.ProcessEnv
): Promise<ProfileBackup> {
  const paths = profilePaths(env)
  const backup: ProfileBackup = { changes: [], files: [] }
  try {
    const credentials: Section[] = []
    const config: Section[] = []
    for (const entry of entries) {
      const sections = await profileSections(settings, entry, env, backup.files)
      credentials.push(...sections.credentials)
      config.push(sections.config)
    }
    if (credentials.length > 0) {
      backup.changes.push(await writeSections(paths.credentials, credentials))
    }
    backup.changes.push(await writeSections(paths.config, config))
  } catch (error) {
    await undoProfiles(backup)
    throw error
  }
  return backup
}

/**
 * One profile's sections: static keys; or, with refresh-credentials, the SDKs' own assume-role
 * profile (access keys) or a credential_process (OIDC, whose private config file is added to
 * `files` for the post step to delete).
 */
async function profileSections(
  settings: Settings,
  entry: ProfileEntry,
  env: NodeJS.ProcessEnv,
  files: string[]
): Promise<{ credentials: Section[]; config: Section }> {
  const configEntries: Array<[string, string]> = [['region', entry.region]]
  const config = { header: configHeader(entry.profile), entries: configEntries }
  const request = entry.request
  if (!settings.refreshCredentials || !request || !('arn' in request.role)) {
    const keys = { header: entry.profile, entries: keyEntries(entry.outcome.session.credentials) }
    return { credentials: [keys], config }
  }
  const roleArn = request.role.arn
  if (settings.source.kind === 'access-keys') {
    const sourceProfile = `${entry.profile}-source-keys`
    configEntries.push(
      ['role_arn', roleArn],
      ['source_profile', sourceProfile],
      ['role_session_name', request.sessionName],
      ['duration_seconds', String(request.durationSeconds)]
    )
    if (request.externalId) configEntries.push(['external_id', request.externalId])
    const sourceKeys = { header: sourceProfile, entries: keyEntries(settings.source.keys) }
    return { credentials: [sourceKeys], config }
  }
  if (settings.source.kind !== 'github-oidc') throw new Error('refresh needs keys or OIDC') // inputs.ts
  const file = privateTempPath(env, `${entry.profile}-process`)
  const processConfig: CredentialProcessConfig = {
    requestUrl: settings.source.requestUrl,
    requestToken: settings.source.requestToken,
    audience: settings.source.audience,
    roleArn,
    sessionName: request.sessionName,
    durationSeconds: request.durationSeconds,
    region: entry.region,
    stsEndpoint: settings.stsEndpoint,
    maxAttempts: settings.retry.maxAttempts,
    inlinePolicy: request.inlinePolicy,
    managedPolicies: request.managedPolicies,
    proxy: settings.proxy
  }
  files.push(file)
  await writePrivate(file, JSON.stringify(processConfig))
  configEntries.push(['credential_process', credentialProcessCommand(file)])
  return { credentials: [], config }
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
  // Loaded only with profiles: the main step parses as little as it can before it connects.
  const { loadSharedConfigFiles } = await import('@smithy/core/config')
  const files = await loadSharedConfigFiles({
    filepath: paths.credentials,
    configFilepath: paths.config,
    ignoreCache: true
  })
  return new Set([...Object.keys(files.credentialsFile), ...Object.keys(files.configFile)])
}
