/**
 * The repository's workflows as a user and a security reviewer read them: every job is bounded by
 * timeout-minutes; every action from another repository is pinned by a full commit SHA with its
 * version in a comment (Dependabot's github-actions updates keep both current); this action runs
 * from the checkout (`./`), never from an `OWNER/` that someone else could register; no checkout
 * leaves its token in .git/config and no install runs dependency scripts; the release job that can
 * write installs nothing and hands its token to the push alone (its step is run here against a
 * local remote); the self-test's role list copes with an empty variable or `[]` (its parse step is
 * run here as the runner would run it); package.json's engines asks for no Node.js that a
 * dependency refuses (npm's EBADENGINE).
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
  with?: Record<string, unknown>
  env?: Record<string, string>
}
interface Job {
  'timeout-minutes'?: number
  needs?: string | string[]
  permissions?: Record<string, string>
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
      if (ref === './') continue
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

const allSteps = (name: string): Array<{ job: string; step: Step }> =>
  Object.entries(workflow(name).jobs).flatMap(([job, { steps = [] }]) =>
    steps.map(step => ({ job, step }))
  )

test.each(files)(
  '%s: this action runs from the checkout (`./`), never from an OWNER/ account',
  name => {
    const uses = allSteps(name).flatMap(({ step }) => (step.uses ? [step.uses] : []))
    expect(uses.filter(ref => /assume-aws-role-action|^OWNER\//.test(ref))).toEqual([])
    for (const [job, { steps = [] }] of Object.entries(workflow(name).jobs)) {
      const local = steps.findIndex(step => step.uses === './')
      if (local === -1) continue
      // `./` is the job's workspace: without a checkout before it there is no action to run.
      const checkout = steps.findIndex(step => step.uses?.startsWith('actions/checkout@'))
      expect({ job, checkoutFirst: checkout > -1 && checkout < local }).toEqual({
        job,
        checkoutFirst: true
      })
    }
  }
)

test('example.yml runs every job from the checkout; the docs keep the published form', () => {
  const example = workflow('example.yml')
  for (const [id, job] of Object.entries(example.jobs)) {
    expect({ id, uses: job.steps?.find(step => step.id === 'aws')?.uses }).toEqual({
      id,
      uses: './'
    })
  }
  expect(read('self-test.yml')).toMatch(/uses: \.\/\n/)
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  expect(readme).toMatch(/uses: OWNER\/assume-aws-role-action@v1\n/)
})

test.each(files)('%s: no checkout keeps its token in .git/config', name => {
  const checkouts = allSteps(name).filter(({ step }) => step.uses?.startsWith('actions/checkout@'))
  for (const { job, step } of checkouts) {
    expect({ job, persist: step.with?.['persist-credentials'] }).toEqual({ job, persist: false })
  }
})

test.each(files)('%s: no install runs the dependencies’ scripts', name => {
  const installs = allSteps(name)
    .flatMap(({ job, step }) => (step.run ?? '').split('\n').map(line => ({ job, line })))
    .filter(({ line }) => /\bnpm (ci|install|i)\b/.test(line))
  for (const { job, line } of installs) {
    expect({ job, line, ignoreScripts: line.includes('--ignore-scripts') }).toEqual({
      job,
      line,
      ignoreScripts: true
    })
  }
})

describe('release.yml', () => {
  const release = parse(read('release.yml')) as {
    on: { push: { tags: string[] } }
    permissions: Record<string, string>
    jobs: Record<string, Job & { outputs?: Record<string, string> }>
  }
  const jobs = Object.entries(release.jobs)
  const writers = jobs.filter(([, job]) => job.permissions?.contents === 'write')
  const [, move = {}] = writers[0] ?? []
  const checkers = jobs.filter(([, job]) => job.permissions?.contents !== 'write')
  const [verifyId = '', verify = {}] = checkers[0] ?? []
  const runs = (job: Job): string[] => (job.steps ?? []).map(s => s.run ?? '')

  test('runs on version tags, read-only by default', () => {
    expect(release.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+'])
    expect(release.permissions).toEqual({ contents: 'read' })
  })

  test('one read-only job checks version and dist/; one writing job needs it', () => {
    expect(writers).toHaveLength(1)
    expect(checkers).toHaveLength(1)
    expect(verify.permissions).toEqual({ contents: 'read' })
    expect(move.permissions).toEqual({ contents: 'write' })
    expect([move.needs].flat()).toEqual([verifyId])
    expect(runs(verify).some(run => run.includes('bash script/check-dist'))).toBe(true)
    expect(runs(verify).some(run => run.includes('require("./package.json").version'))).toBe(true)
    expect(runs(verify).some(run => /npm ci --ignore-scripts/.test(run))).toBe(true)
    // The commit checked travels to the mover, which refuses a tag moved in between.
    expect(
      move.steps?.some(step =>
        Object.values(step.env ?? {}).includes(`\${{ needs.${verifyId}.outputs.commit }}`)
      )
    ).toBe(true)
  })

  test('the writing job installs and runs nothing from the registry', () => {
    for (const step of move.steps ?? []) {
      if (step.uses) expect(step.uses).toMatch(/^actions\/checkout@/)
      expect({
        run: step.run,
        installs: /\b(npm|npx|yarn|pnpm|node)\b/.test(step.run ?? '')
      }).toEqual({
        run: step.run,
        installs: false
      })
    }
  })

  test('its token reaches the push step alone', () => {
    const text = read('release.yml')
    expect(text).not.toMatch(/secrets\.GITHUB_TOKEN/)
    expect(text.match(/github\.token/g)).toHaveLength(1)
    const holders = (move.steps ?? []).filter(step =>
      Object.values(step.env ?? {}).some(value => value.includes('github.token'))
    )
    expect(holders).toHaveLength(1)
    expect(holders[0]?.run).toMatch(/git push/)
    for (const [, job] of jobs) {
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith('actions/checkout@')) expect(step.with?.token).toBeUndefined()
      }
    }
  })

  describe('the move step, run against a local remote', () => {
    const step = (move.steps ?? []).find(s => /git push/.test(s.run ?? ''))
    const git = (cwd: string, ...args: string[]): string =>
      execFileSync('git', args, { cwd, encoding: 'utf8', env: gitEnv }).trim()
    const gitEnv = {
      PATH: process.env.PATH,
      HOME: tmpdir(),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.test',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.test'
    }
    let dir = ''
    let work = ''
    let remote = ''
    let commit = ''
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'release-'))
      remote = join(dir, 'remote.git')
      work = join(dir, 'work')
      execFileSync('git', ['init', '-q', '--bare', remote], { env: gitEnv })
      execFileSync('git', ['init', '-q', work], { env: gitEnv })
      git(work, 'commit', '-q', '--allow-empty', '-m', 'one')
      git(work, 'tag', 'v1')
      git(work, 'commit', '-q', '--allow-empty', '-m', 'two')
      commit = git(work, 'rev-parse', 'HEAD')
      git(work, 'tag', '-a', '-m', 'v1.2.0', 'v1.2.0')
      git(work, 'remote', 'add', 'origin', remote)
      git(work, 'push', '-q', 'origin', 'refs/tags/v1', 'refs/tags/v1.2.0')
    })
    afterEach(() => rmSync(dir, { recursive: true, force: true }))
    const runMove = (verified: string): { code: number; stdout: string } => {
      try {
        const stdout = execFileSync('bash', ['-e', '-c', step?.run ?? 'exit 9'], {
          cwd: work,
          encoding: 'utf8',
          env: {
            ...gitEnv,
            TAG: 'v1.2.0',
            VERIFIED: verified,
            SERVER: 'https://github.com',
            PUSH_TOKEN: 'ghs_example-token'
          }
        })
        return { code: 0, stdout }
      } catch (error) {
        const failed = error as { status: number; stdout: string }
        return { code: failed.status, stdout: failed.stdout }
      }
    }

    test('moves the major tag to the verified commit and leaves the token nowhere', () => {
      const result = runMove(commit)
      expect(result.code).toBe(0)
      expect(git(remote, 'rev-parse', 'v1^{commit}')).toBe(commit)
      expect(result.stdout).toContain(`Moved v1 to v1.2.0 (${commit}).`)
      // Only the mask command carries the (encoded) token; .git/config never holds it.
      expect(result.stdout).not.toContain('ghs_example-token')
      expect(readFileSync(join(work, '.git', 'config'), 'utf8')).not.toMatch(/extraheader|ghs_/i)
    })

    test('refuses when the tag no longer names the commit verified', () => {
      const before = git(remote, 'rev-parse', 'v1^{commit}')
      const result = runMove('0'.repeat(40))
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/::error::v1.2.0 is now [0-9a-f]{40}, not the commit verified/)
      expect(git(remote, 'rev-parse', 'v1^{commit}')).toBe(before)
    })
  })
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
