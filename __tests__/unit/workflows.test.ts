/**
 * The repository's workflows as a user and a security reviewer read them: every job is bounded by
 * timeout-minutes; every action from another repository is pinned by a full commit SHA with its
 * version in a comment (Dependabot's github-actions updates keep both current); the example uses
 * the published action so it works when copied; the self-test's role list copes with an empty
 * variable or `[]` (its parse step is run here as the runner would run it); package.json's engines
 * asks for no Node.js that a dependency refuses (npm's EBADENGINE).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from '../../test-support/runner.js'

interface Step {
  id?: string
  uses?: string
  run?: string
  env?: Record<string, string>
}
interface Job {
  'timeout-minutes'?: number
  steps?: Step[]
}
interface Workflow {
  jobs: Record<string, Job>
}

const WORKFLOWS = join(ROOT, '.github', 'workflows')
const files = readdirSync(WORKFLOWS).filter(name => name.endsWith('.yml'))
const read = (name: string): string => readFileSync(join(WORKFLOWS, name), 'utf8')
const workflow = (name: string): Workflow => parse(read(name)) as Workflow

test.each(files)('%s: every job has timeout-minutes', name => {
  const jobs = Object.entries(workflow(name).jobs)
  expect(jobs.length).toBeGreaterThan(0)
  for (const [id, job] of jobs) {
    expect({ id, timeout: typeof job['timeout-minutes'] }).toEqual({ id, timeout: 'number' })
  }
})

test.each(files)(
  '%s: actions of other repositories are pinned by commit SHA with a version comment',
  name => {
    const uses = read(name)
      .split('\n')
      .map(line => /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
    for (const [, ref = '', rest = ''] of uses) {
      if (ref === './' || ref.startsWith('OWNER/assume-aws-role-action@')) continue
      expect({ ref, pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) }).toEqual({
        ref,
        pinned: true
      })
      expect({ ref, comment: /^\s+# v\d+\.\d+\.\d+$/.test(rest) }).toEqual({ ref, comment: true })
    }
  }
)

test('Dependabot keeps the pinned actions current', () => {
  const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
    updates: Array<{ 'package-ecosystem': string; directory: string }>
  }
  expect(config.updates).toContainEqual(
    expect.objectContaining({ 'package-ecosystem': 'github-actions', directory: '/' })
  )
})

test('example.yml uses the published action (works when copied); self-test.yml tests the checkout', () => {
  expect(read('example.yml')).not.toMatch(/uses:\s*\.\//)
  expect(read('example.yml')).toMatch(/uses: OWNER\/assume-aws-role-action@v1\n/)
  expect(read('self-test.yml')).toMatch(/uses: \.\/\n/)
})

test('release.yml moves the major tag only after checking the tag’s version and dist/', () => {
  const release = parse(read('release.yml')) as {
    on: { push: { tags: string[] } }
    permissions: Record<string, string>
    jobs: Record<string, Job & { permissions?: Record<string, string> }>
  }
  expect(release.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+'])
  expect(release.permissions).toEqual({ contents: 'read' })
  const [job] = Object.values(release.jobs)
  expect(job?.permissions).toEqual({ contents: 'write' })
  const runs = (job?.steps ?? []).map(s => s.run ?? '')
  const checkDist = runs.findIndex(run => run.includes('bash script/check-dist'))
  const version = runs.findIndex(run => run.includes('package.json'))
  const move = runs.findIndex(run => run.includes('git push -f origin'))
  expect(checkDist).toBeGreaterThan(-1)
  expect(version).toBeGreaterThan(-1)
  expect(move).toBeGreaterThan(Math.max(checkDist, version))
})

describe('self-test.yml: SELF_TEST_ROLES', () => {
  const step = workflow('self-test.yml').jobs.roles?.steps?.find(s => s.id === 'parse')
  const parseRoles = (value: string): { code: number; outputs: string; stdout: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'self-test-'))
    const output = join(dir, 'output')
    writeFileSync(output, '')
    try {
      const stdout = execFileSync('bash', ['-e', '-c', step?.run ?? 'exit 9'], {
        env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, SELF_TEST_ROLES: value },
        encoding: 'utf8'
      })
      return { code: 0, outputs: readFileSync(output, 'utf8'), stdout }
    } catch (error) {
      const failed = error as { status: number; stdout: string }
      return { code: failed.status, outputs: readFileSync(output, 'utf8'), stdout: failed.stdout }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  test.each(['', '[]', ' [ ] ', '\n'])('%j: no roles, the assume-role job is skipped', value => {
    expect(parseRoles(value)).toMatchObject({ code: 0, outputs: 'matrix=[]\ncount=0\n' })
    expect(workflow('self-test.yml').jobs['assume-role']).toMatchObject({
      needs: 'roles',
      if: "needs.roles.outputs.count != '0'"
    })
  })

  test('a list of roles becomes the matrix', () => {
    const roles = [
      { account: '111111111111', role: 'arn:aws:iam::111111111111:role/github-deploy' }
    ]
    expect(parseRoles(JSON.stringify(roles))).toMatchObject({
      code: 0,
      outputs: `matrix=${JSON.stringify(roles)}\ncount=1\n`
    })
  })

  test.each(['{"account":"1"}', 'not json', '[1]', '[{"role":"arn"}]'])(
    '%j fails with a message saying what the variable must be',
    value => {
      const result = parseRoles(value)
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/::error::SELF_TEST_ROLES must be a JSON array/)
      expect(result.outputs).toBe('')
    }
  )
})

test('package.json engines asks for no Node.js version that a locked dependency refuses', () => {
  // semver is npm's own range logic (a dev dependency), not a hand-written comparison.
  const semver = createRequire(import.meta.url)('semver') as {
    satisfies(version: string, range: string): boolean
    minVersion(range: string): { version: string } | null
  }
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string }
  }
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[] }>
  }
  // The lowest version of each alternative of our range, and today's current release line.
  const candidates = manifest.engines.node
    .split('||')
    .map(part => semver.minVersion(part)?.version ?? '')
    .concat('24.21.0')
  const refused: string[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node
    if (!path || !range) continue
    for (const version of candidates) {
      if (!semver.satisfies(version, range)) refused.push(`${path} (${range}) refuses ${version}`)
    }
  }
  expect(refused).toEqual([])
})
