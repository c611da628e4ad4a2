/**
 * Off-machine rules tested without leaving the machine: a scenario (netns-scenario.ts) runs in
 * its own mount and network namespace (`unshare -mn`, util-linux; root, as CI runs), where only
 * `lo` exists (brought up with `ip link set lo up`, Debian package iproute2) and a private hosts
 * file bind-mounted over /etc/hosts maps OFF_MACHINE_NAMES to 127.0.0.1. To the action they are
 * other machines' names (its loopback rule goes by the URL's host: 127.0.0.0/8, ::1, localhost);
 * every packet still stays on this machine's loopback, in a namespace nothing else can reach.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EmulatorStats } from './emulator/index.js'
import type { ProxyLogEntry } from './forward-proxy.js'
import type { LoggedRequest } from './plaintext-logger.js'
import { ROOT, spawnCollect } from './runner.js'

/** Names for other machines: a corporate STS, a LocalStack service container, a proxy. */
export const OFF_MACHINE_NAMES = ['sts.corp.example', 'localstack', 'proxy.corp.example']

export interface Scenario {
  inputs: Record<string, string>
  env?: Record<string, string>
  /** Files to write, relative to the job folder (home/.aws/config, …). */
  files?: Record<string, string>
  /** A logging proxy: demanding `auth` (user:password), over TLS with `tls`. */
  proxy?: { auth?: string; tls?: boolean }
}

export interface ScenarioOutcome {
  code: number | null
  log: string[]
  lines: string[]
  masks: string[]
  env: Record<string, string>
  summary: string
  stats: EmulatorStats
  proxyLog: ProxyLogEntry[]
  loggerLog: LoggedRequest[]
  tlsHandshakes: number
  /** Every secret the emulator handed out or received (ID tokens included). */
  secrets: string[]
}

const SETUP = 'ip link set lo up && mount --bind "$HOSTS" /etc/hosts && exec "$@"'

/** Runs `scenario` in a fresh namespace; fails saying what to install when a tool is missing. */
export async function runInNamespace(scenario: Scenario): Promise<ScenarioOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-'))
  const hosts = join(dir, 'hosts')
  writeFileSync(hosts, `127.0.0.1 localhost ${OFF_MACHINE_NAMES.join(' ')}\n::1 localhost\n`)
  try {
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx')
    const script = join(ROOT, 'test-support', 'netns-scenario.ts')
    const env = { ...process.env, HOSTS: hosts } as Record<string, string>
    let result
    try {
      result = await spawnCollect(
        'unshare',
        ['-mn', 'sh', '-c', SETUP, 'sh', tsx, script, JSON.stringify(scenario)],
        env,
        90_000,
        ROOT
      )
    } catch (error) {
      throw new Error(
        `unshare is needed (Debian package util-linux; run as root): ${(error as Error).message}`,
        { cause: error }
      )
    }
    if (/ip: not found|ip: command not found/.test(result.stderr)) {
      throw new Error('the ip command is needed: apt-get install iproute2')
    }
    const last = result.stdout.trim().split('\n').pop() ?? ''
    if (result.code !== 0 || !last.startsWith('{')) {
      throw new Error(
        `the namespace scenario failed (exit ${result.code}; unshare -mn needs root):\n${result.stderr}\n${result.stdout}`
      )
    }
    return JSON.parse(last) as ScenarioOutcome
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
