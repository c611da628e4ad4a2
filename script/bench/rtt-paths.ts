/**
 * The RTT bench's paths (ours, the floor, --before, --peer, on keys→role and OIDC→role, per RTT,
 * plus bare node) and each one's step environment, as the runner builds it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { SEED } from '../../test-support/emulator/index.js'
import { MAIN_ENTRY, stepEnvironment } from '../../test-support/runner.js'
import type { Network } from './network.js'
import type { RttOptions } from './rtt-options.js'

export type Who = 'ours' | 'before' | 'peer' | 'floor' | 'bare'
export interface Path {
  id: string
  who: Who
  flow: 'keys' | 'oidc' | 'none'
  rtt: number
  entry: string
  env: Record<string, string>
}

/** The step's environment as the runner builds it, with `inputs` and the defaults of `actionYml`. */
function peerEnvironment(
  jobDir: string,
  actionYml: string,
  inputs: Record<string, string>,
  extra: Record<string, string>
): Record<string, string> {
  const { env } = stepEnvironment(jobDir, {}, extra)
  for (const name of Object.keys(env))
    if (name.startsWith('INPUT_')) Reflect.deleteProperty(env, name)
  const declared = (
    parse(readFileSync(actionYml, 'utf8')) as { inputs: Record<string, { default?: unknown }> }
  ).inputs
  const all: Record<string, string> = {}
  for (const [name, input] of Object.entries(declared))
    if (input.default !== undefined) all[name] = String(input.default)
  Object.assign(all, inputs)
  for (const [name, value] of Object.entries(all))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  return env
}

/** Bare node, then per RTT each build on each flow (the floor on keys→role only). */
export function buildPaths(opts: RttOptions, emptyModule: string, floorEntry: string): Path[] {
  const paths: Path[] = [
    { id: 'bare', who: 'bare', flow: 'none', rtt: 0, entry: emptyModule, env: {} }
  ]
  const whos: Who[] = [
    'ours',
    'floor',
    ...(opts.before ? (['before'] as const) : []),
    ...(opts.peer ? (['peer'] as const) : [])
  ]
  for (const rtt of opts.rtts) {
    for (const who of whos) {
      for (const flow of who === 'floor' ? (['keys'] as const) : (['keys', 'oidc'] as const)) {
        paths.push({
          id: `${who}-${flow}-${rtt}`,
          who,
          flow,
          rtt,
          entry: {
            ours: MAIN_ENTRY,
            floor: floorEntry,
            before: join(opts.before ?? '', 'dist', 'index.js'),
            peer: join(opts.peer ?? '', 'dist', 'index.js'),
            bare: ''
          }[who],
          env: {}
        })
      }
    }
  }
  return paths
}

/** The step environment of path `p` in job folder `jobDir`, through the links of its RTT. */
export function environmentFor(
  net: Network,
  opts: RttOptions
): (p: Path, jobDir: string, extra: Record<string, string>) => Record<string, string> {
  const { emu, links } = net
  const oidcPath = new URL(emu.oidcRequestUrl)
  return (p, jobDir, extra) => {
    const base = { NODE_EXTRA_CA_CERTS: net.caFile, ...extra }
    if (p.who === 'bare') return stepEnvironment(jobDir, {}, base).env
    const link = links.get(p.rtt)
    if (!link) throw new Error(`no link for ${p.rtt}`)
    const stsEndpoint = `https://127.0.0.1:${link.sts.port}`
    const inputs: Record<string, string> = {
      'aws-region': SEED.region,
      'sts-endpoint': stsEndpoint
    }
    const env: Record<string, string> = { ...base }
    if (p.flow === 'keys') {
      Object.assign(inputs, {
        'role-to-assume': SEED.roles.deploy,
        'aws-access-key-id': SEED.user.accessKeyId,
        'aws-secret-access-key': SEED.user.secretAccessKey
      })
    } else {
      inputs['role-to-assume'] = SEED.roles.githubDeploy
      env.ACTIONS_ID_TOKEN_REQUEST_URL = `https://127.0.0.1:${link.github.port}${oidcPath.pathname}${oidcPath.search}`
      env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken
    }
    if (p.who === 'ours') return stepEnvironment(jobDir, inputs, env).env
    if (p.who === 'before')
      return peerEnvironment(jobDir, join(opts.before ?? '', 'action.yml'), inputs, env)
    if (p.who === 'peer')
      return peerEnvironment(jobDir, join(opts.peer ?? '', 'action.yml'), inputs, env)
    const asInputs = Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])
    return stepEnvironment(jobDir, {}, { ...env, ...Object.fromEntries(asInputs) }).env
  }
}
