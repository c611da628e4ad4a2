/**
 * The migration guide's input table against the facts it is derived from: configure-aws-credentials
 * v6.2.3's input names (a committed copy, with the commit it was read from) and our action.yml. A
 * row marked "extra" must be an input that version lacks; every input of either must have a row.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { parse } from 'yaml'
import { actionInputs } from '../../test-support/action-inputs.js'
import { ROOT } from '../../test-support/runner.js'

interface Upstream {
  repository: string
  tag: string
  commit: string
  inputs: string[]
  outputs: string[]
}

const upstream = JSON.parse(
  readFileSync(
    join(ROOT, '__tests__', 'fixtures', 'configure-aws-credentials-v6.2.3-inputs.json'),
    'utf8'
  )
) as Upstream
const guide = readFileSync(
  join(ROOT, 'docs', 'migrating-from-configure-aws-credentials.md'),
  'utf8'
)
/** `| \`name\` | same/stricter/extra | notes |` rows of the input table. */
const rows = new Map(
  [...guide.matchAll(/^\| `([a-z-]+)`\s*\| (same|stricter|extra)\s*\|/gm)].map(match => [
    match[1] ?? '',
    match[2] ?? ''
  ])
)
const ours = Object.keys(actionInputs())

describe('the migration guide', () => {
  test('names the version and commit its table is derived from', () => {
    expect(upstream).toMatchObject({
      repository: 'aws-actions/configure-aws-credentials',
      tag: 'v6.2.3',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/)
    })
    expect(guide).toContain(upstream.commit)
    expect(guide).toContain(`tag \`${upstream.tag}\``)
  })

  test('has one row per input, ours and configure-aws-credentials’, and no other', () => {
    expect([...rows.keys()].sort()).toEqual([...new Set([...ours, ...upstream.inputs])].sort())
  })

  test('takes every input configure-aws-credentials v6.2.3 has', () => {
    expect(upstream.inputs.filter(name => !ours.includes(name))).toEqual([])
  })

  test('marks extra exactly the inputs that version does not have', () => {
    const extra = [...rows].filter(([, kind]) => kind === 'extra').map(([name]) => name)
    expect(extra.sort()).toEqual(ours.filter(name => !upstream.inputs.includes(name)).sort())
  })

  test('calls extra exactly the outputs that version does not have', () => {
    const outputs = Object.keys(readOutputs())
    const extra = outputs.filter(name => !upstream.outputs.includes(name))
    expect(extra).toEqual(['authenticated-arn'])
    const sentence = /^Outputs:[\s\S]*?\n\n/m.exec(guide)?.[0] ?? ''
    for (const name of upstream.outputs) expect(sentence).toContain(`\`${name}\``)
    expect(sentence).toMatch(/`authenticated-arn`[^.]*is extra/)
  })
})

/** action.yml's outputs. */
function readOutputs(): Record<string, unknown> {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    outputs: Record<string, unknown>
  }
  return action.outputs
}
