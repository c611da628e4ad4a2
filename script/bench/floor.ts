/** The RTT bench's floor: an ncc bundle of @aws-sdk/client-sts that sends one AssumeRole. */
import { spawn } from 'node:child_process'
import { symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../test-support/runner.js'

/** The floor: client-sts alone, bundled by ncc the default way (no tsconfig around it). */
const FLOOR_SOURCE = `import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
const env = process.env
const client = new STSClient({
  region: env['INPUT_AWS-REGION'],
  endpoint: env['INPUT_STS-ENDPOINT'],
  credentials: { accessKeyId: env['INPUT_AWS-ACCESS-KEY-ID'], secretAccessKey: env['INPUT_AWS-SECRET-ACCESS-KEY'] }
})
const out = await client.send(new AssumeRoleCommand({ RoleArn: env['INPUT_ROLE-TO-ASSUME'], RoleSessionName: 'floor' }))
if (!out.Credentials) process.exitCode = 1
`

/** Builds the floor bundle in `dir`; returns its entry. */
export async function buildFloor(dir: string): Promise<string> {
  writeFileSync(join(dir, 'floor.mjs'), FLOOR_SOURCE)
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  const ncc = join(ROOT, 'node_modules', '.bin', 'ncc')
  const out = join(dir, 'floor-dist')
  // Run from its own folder: ncc would otherwise apply this repository's tsconfig.json paths.
  const r = await new Promise<{ code: number | null; stderr: string }>(resolve => {
    const child = spawn(ncc, ['build', 'floor.mjs', '-o', out, '-m', '-q'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    child.on('close', code => resolve({ code, stderr }))
  })
  if (r.code !== 0) throw new Error(`building the floor bundle failed: ${r.stderr}`)
  return join(out, 'index.mjs')
}
