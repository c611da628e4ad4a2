/**
 * GitHub's local-action (7.x, a dev dependency), run as its README and .env.example say: the main
 * step (src/main.ts) then the post step, against the loopback emulator. Its @actions/core stub must
 * see what the action does: the outputs it prints, every secret as a mask (none printed in clear),
 * the exported variables, and the state that lets the post step clear exactly those.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import { RUN_ENV } from '../../test-support/github-context.js'
import {
  ACTION_NODE,
  ROOT,
  requireActionNode,
  spawnCollect,
  type CliResult
} from '../../test-support/runner.js'

const LOCAL_ACTION = join(ROOT, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js')
const VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']
/** local-action starts npm, tsx and the sources: seconds each, more on a loaded host. */
const LOCAL_ACTION_TIMEOUT_MS = 150_000

let emu: Emulator
let dir: string
let envFile: string

beforeAll(async () => {
  requireActionNode()
  emu = await startEmulator()
  dir = mkdtempSync(join(tmpdir(), 'local-action-'))
  envFile = join(dir, '.env')
  // The inputs as .env.example lists them, pointed at the emulator; plus the run's GITHUB_*.
  const inputs = {
    'INPUT_AWS-REGION': 'us-east-1',
    'INPUT_ROLE-TO-ASSUME': SEED.roles.deploy,
    'INPUT_AWS-ACCESS-KEY-ID': SEED.user.accessKeyId,
    'INPUT_AWS-SECRET-ACCESS-KEY': SEED.user.secretAccessKey,
    'INPUT_ROLE-SESSION-NAME': 'local-action',
    'INPUT_ROLE-DURATION-SECONDS': '900',
    'INPUT_STS-ENDPOINT': emu.url,
    'INPUT_OUTPUT-CREDENTIALS': 'true',
    ...RUN_ENV
  }
  writeFileSync(
    envFile,
    Object.entries(inputs)
      .map(([name, value]) => `${name}=${value}\n`)
      .join('')
  )
})

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await emu.close()
})

/** `local-action run . src/main.ts .env --post POST` from the repository, on the action's Node. */
function localAction(post: string): Promise<CliResult> {
  return spawnCollect(
    ACTION_NODE,
    [LOCAL_ACTION, 'run', ROOT, 'src/main.ts', envFile, '--post', post],
    {
      // local-action starts tsx through `npm exec`: both on the action's Node.
      PATH: `${dirname(ACTION_NODE)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: dir,
      npm_config_cache: join(dir, 'npm-cache'),
      npm_config_update_notifier: 'false',
      NO_COLOR: '1'
    },
    LOCAL_ACTION_TIMEOUT_MS - 10_000,
    ROOT
  )
}

test(
  'as documented: outputs shown, no secret in clear, post clears what main exported',
  async () => {
    const result = await localAction('src/post/cleanup.ts')
    const output = result.stdout + result.stderr
    expect({ code: result.code, output }).toMatchObject({ code: 0 })
    const [session] = emu.issuedCredentials()
    expect(session).toBeDefined()
    expect(output).not.toContain('No outputs were set!')
    expect(output).toMatch(/│\s*'aws-account-id'\s*│\s*'111111111111'\s*│/)
    expect(output).toMatch(
      /│\s*'authenticated-arn'\s*│\s*'arn:aws:sts::111111111111:assumed-role\//
    )
    for (const secret of [
      SEED.user.secretAccessKey,
      session?.secretAccessKey ?? 'none',
      session?.sessionToken ?? 'none'
    ]) {
      expect(output).not.toContain(secret)
    }
    // Nothing reached the real @actions/core, which prints these commands where the stub does not
    // (the stub prints ::set-output itself).
    expect(output).not.toMatch(/::(add-mask|set-env|save-state)/)
    // The stub refuses outputs that hold a mask, as the runner does: so it knows the masks.
    expect(output).toMatch(/Skip output aws-secret-access-key since it may contain secret/)
    expect(output).toMatch(/Skip output aws-session-token since it may contain secret/)
    // The post step read main's state from the stub and cleared exactly those variables.
    expect(output).toMatch(/Cleared AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN/)
  },
  LOCAL_ACTION_TIMEOUT_MS
)

test(
  'what the stub holds: variables, masks and state after main; variables blank after post',
  async () => {
    const result = await localAction(join(ROOT, 'test-support', 'local-action-post.ts'))
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 })
    const session = emu.issuedCredentials().at(-1)
    // The five secrets, printed through the stub's info: each one it knows as a mask is ****.
    expect(result.stdout).toContain(`LOCAL-ACTION-MASKS ${JSON.stringify(Array(5).fill('****'))}`)
    const line = /^LOCAL-ACTION-RECORD (.*)$/m.exec(result.stdout)?.[1]
    const record = JSON.parse(line ?? '{}') as {
      afterMain?: { env: Record<string, string>; state: string }
      afterPost?: { env: Record<string, string> }
    }
    expect(record.afterMain?.env).toMatchObject({
      AWS_ACCESS_KEY_ID: session?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session?.secretAccessKey,
      AWS_SESSION_TOKEN: session?.sessionToken,
      AWS_REGION: 'us-east-1'
    })
    const exported = JSON.parse(record.afterMain?.state || '[]') as string[]
    expect(exported).toEqual(expect.arrayContaining([...VARIABLES, 'AWS_REGION']))
    for (const name of exported) {
      expect({ name, value: record.afterPost?.env[name] }).toEqual({ name, value: '' })
    }
  },
  LOCAL_ACTION_TIMEOUT_MS
)
