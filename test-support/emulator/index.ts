/**
 * Loopback STS + S3 + GitHub-OIDC emulator for tests and benchmarks (not product code).
 *
 *   const emu = await startEmulator()            // seed world, random port on 127.0.0.1
 *   new STSClient({ endpoint: emu.url, region: emu.region, credentials: SEED.user })
 *   await emu.close()
 *
 * It runs in-process: spawn child-process clients (AWS CLI, the bundled action) with
 * `child_process.spawn`/`execFile`, never `spawnSync`, or the emulator cannot answer them.
 */
export { startEmulator, type Emulator, type StartEmulatorOptions } from './server.js'
export { seedWorld, SEED } from './seed.js'
export { EmulatorClock } from './clock.js'
export type { FaultKind, FaultScope, FaultSettings, FaultTarget } from './faults.js'
export { FORGED_COMMANDS, type HostileKind, type HostileSettings } from './hostile.js'
export type { ClaimOverrides, GitHubClaims, MintOptions, SubjectForm } from './oidc.js'
export { subjectFor } from './oidc.js'
export type { EmulatorStats, RecordedRequest } from './stats.js'
export type { IssuedCredentials, SessionTag } from './credentials.js'
export {
  cloneWorld,
  GITHUB_ISSUER,
  type AccessKey,
  type AccountSettings,
  type IamRole,
  type IamUser,
  type OidcProvider,
  type TrustConditions,
  type TrustPrincipal,
  type TrustStatement,
  type World
} from './world.js'
