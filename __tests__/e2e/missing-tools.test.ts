/**
 * What a newcomer meets on a machine without what the suite needs: each part names the command
 * that installs it instead of testing something else or failing with `spawn ENOENT`. The bundles
 * refuse to run on a Node other than 24.5 or a later 24.x (GitHub's node24), and `npm run demo`
 * without the AWS CLI says to install it.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ACTION_NODE,
  MAIN_ENTRY,
  ROOT,
  requireActionNode,
  runStep,
  spawnCollect
} from '../../test-support/runner.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'missing-tools-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A `node` that reports the given version, as an older install on PATH would. */
function fakeNode(version: string): string {
  const path = join(dir, `node-${version}`)
  writeFileSync(path, `#!/bin/sh\necho ${version}\n`)
  chmodSync(path, 0o755)
  return path
}

test.each(['20.20.2', '22.13.0', '24.4.1', '25.0.0'])(
  'a bundle step refuses Node %s and names the command that installs Node 24',
  async version => {
    const node = fakeNode(version)
    const refusal = new RegExp(
      `The bundles run on Node 24\\.5 or a later 24\\.x .*but ${node} is v${version.replace(/\./g, '\\.')}\\. ` +
        'Run script/test \\(npm run test:all\\), which installs Node 24 under \\.tmp/node24'
    )
    expect(() => requireActionNode(node)).toThrow(refusal)
    await expect(runStep(MAIN_ENTRY, { node, inputs: {} })).rejects.toThrow(refusal)
  }
)

test('the Node the suite runs the bundles on is accepted', () => {
  expect(() => requireActionNode(ACTION_NODE)).not.toThrow()
})

test('npm run demo without the AWS CLI says what to install, not spawn ENOENT', async () => {
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
  const missing = join(dir, 'no-such-aws')
  const result = await spawnCollect(
    process.execPath,
    [tsx, join(ROOT, 'script', 'demo.ts')],
    { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_CLI: missing },
    60_000,
    ROOT
  )
  expect(result.code).toBe(1)
  expect(result.stderr).toContain(
    `demo: The AWS CLI v2 (${missing}) is missing: sudo apt-get install awscli`
  )
  expect(result.stderr).toContain('run script/test, which installs everything the suite needs')
  expect(result.stderr + result.stdout).not.toMatch(/ENOENT/)
})
