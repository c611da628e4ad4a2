/**
 * Named profiles: aws-profile and role-profiles write each session to the shared credentials and
 * config files, either as static keys or, with refresh-credentials, as a profile the AWS CLI and
 * SDKs renew by themselves. The undo record is saved before anything is written (write-ahead),
 * so the post step can undo exactly what a run wrote, even one killed half-way.
 */
import { resolve } from 'node:path'
import { launcherBase, writeLauncher } from './launcher.js'
import type { Outcome } from '../network/sts.js'
import { InputError, quote } from '../rules/input-error.js'
import { asFileSystemError } from './file-error.js'
import {
  configHeader,
  privateTempPath,
  profilePaths,
  existingHeaders,
  recordText,
  SectionTakenError,
  undoProfiles,
  writePrivate,
  writeProfileFiles,
  type FilePlan,
  type ProfileBackup,
  type ProfilePaths,
  type Section
} from './files.js'
import { saveProfileBackup } from '../runner/state.js'
import type { RoleRequest, Settings } from '../settings.js'
import type { CredentialProcessConfig } from './credential-process.js'

export interface ProfileEntry {
  profile: string
  region: string
  outcome: Outcome
  request?: RoleRequest
}

/**
 * Every section this run will write, with the input that names it, checked before any network
 * call: each profile, and with refresh-credentials and access keys its `NAME-source-keys` too.
 */
function plannedProfiles(settings: Settings): Array<{ name: string; input: string }> {
  const named = [
    ...(settings.profile
      ? [{ name: settings.profile.name, input: 'aws-profile', role: settings.role }]
      : []),
    ...settings.profileRoles.map(entry => ({
      name: entry.profile,
      input: 'role-profiles',
      role: entry.request
    }))
  ]
  const withSourceKeys = settings.refreshCredentials && settings.source.kind === 'access-keys'
  return named.flatMap(({ name, input, role }) =>
    withSourceKeys && role && 'arn' in role.role
      ? [
          { name, input },
          { name: sourceKeysProfile(name), input }
        ]
      : [{ name, input }]
  )
}

function sourceKeysProfile(profile: string): string {
  return `${profile}-source-keys`
}

/** An existing profile of the same name is an error unless overwrite-aws-profile is set. */
export async function checkProfilesFree(settings: Settings, env: NodeJS.ProcessEnv): Promise<void> {
  // A credential_process needs a folder every consumer can name: know before any call.
  if (settings.refreshCredentials && settings.source.kind === 'github-oidc') launcherBase(env)
  const planned = plannedProfiles(settings)
  if (planned.length === 0) return
  // Unreadable files and read-only folders fail here, before any call, overwrite or not.
  const existing = await existingProfiles(
    profilePaths(env),
    planned.map(({ name }) => name)
  )
  if (settings.overwriteProfiles) return
  const taken = planned.find(({ name }) => existing.has(name))
  if (taken) throw takenError(taken)
}

function takenError(taken: { name: string; input: string }): InputError {
  return new InputError(
    taken.input,
    `names profile ${quote(taken.name)}, which already exists in the shared config or credentials file; set overwrite-aws-profile: true to replace it.`
  )
}

/**
 * Writes every profile at once, after every role succeeded; a failure half-way (a full disk)
 * takes back what was written, so no half-written set is left. The record the post step undoes
 * from is saved first, and its path handed to the post step before that.
 */
export async function writeProfiles(
  settings: Settings,
  entries: ProfileEntry[],
  env: NodeJS.ProcessEnv
): Promise<ProfileBackup> {
  const paths = profilePaths(env)
  const backup: ProfileBackup = { changes: [], files: [], folders: [] }
  const recordPath = privateTempPath(env, 'backup')
  saveProfileBackup(recordPath)
  const save = async (): Promise<void> => {
    await writePrivate(recordPath, recordText(backup)).catch((error: unknown) => {
      throw asFileSystemError(error, 'write', recordPath)
    })
  }
  try {
    const credentials: Section[] = []
    const config: Section[] = []
    for (const entry of entries) {
      const sections = await profileSections(settings, entry, env, backup)
      credentials.push(...sections.credentials)
      config.push(sections.config)
    }
    await save()
    const plans: FilePlan[] = [
      ...(credentials.length > 0 ? [{ path: paths.credentials, sections: credentials }] : []),
      { path: paths.config, sections: config }
    ]
    await writeProfileFiles(plans, settings.overwriteProfiles, async changes => {
      backup.changes = changes
      await save()
    })
  } catch (error) {
    await undoProfiles({ changes: [], files: backup.files, folders: backup.folders }).catch(
      () => undefined
    )
    if (error instanceof SectionTakenError) {
      // Another job wrote the profile between our check and our write (both under no lock).
      const name = error.header.replace(/^profile /, '')
      throw takenError(
        plannedProfiles(settings).find(entry => entry.name === name) ?? {
          name,
          input: 'aws-profile'
        }
      )
    }
    // Node's own file errors (from the launcher's folder too) name the file they were for.
    const where = (error as { path?: unknown } | null)?.path
    throw asFileSystemError(error, 'write', typeof where === 'string' ? where : paths.config)
  }
  return backup
}

/**
 * One profile's sections: static keys; or, with refresh-credentials, the SDKs' own assume-role
 * profile (access keys) or a credential_process (OIDC, whose private folder is added to `backup`
 * for the post step to delete).
 */
async function profileSections(
  settings: Settings,
  entry: ProfileEntry,
  env: NodeJS.ProcessEnv,
  backup: ProfileBackup
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
    const sourceProfile = sourceKeysProfile(entry.profile)
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
  // inputs/refresh.ts lets refresh-credentials through only with keys (above) or GitHub OIDC.
  if (settings.source.kind !== 'github-oidc') throw new Error('refresh needs keys or OIDC')
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
  // The main step was started as `node <action>/dist/index.js`: that bundle serves the process.
  const bundle = resolve(process.argv[1] ?? 'dist/index.js')
  const launcher = await writeLauncher(env, process.execPath, bundle, JSON.stringify(processConfig))
  backup.files.push(launcher.configFile, launcher.launcher)
  backup.folders?.push(launcher.folder)
  configEntries.push(['credential_process', launcher.line])
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

/**
 * Which of `names` are profiles already, by the readers' rule: `[NAME]` in the credentials file;
 * `[profile NAME]` (or `[default]`) in the config file.
 */
async function existingProfiles(paths: ProfilePaths, names: string[]): Promise<Set<string>> {
  const inConfig = (name: string): string[] =>
    name === 'default' ? ['default', 'profile default'] : [`profile ${name}`]
  const found = await existingHeaders(paths, {
    credentials: names,
    config: names.flatMap(inConfig)
  })
  return new Set(
    names.filter(
      name => found.credentials.has(name) || inConfig(name).some(header => found.config.has(header))
    )
  )
}
