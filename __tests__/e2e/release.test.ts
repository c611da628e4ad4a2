/**
 * script/release on a throw-away clone of this repository with a bare repository as its origin:
 * it refuses a dirty tree, a stale dist/, a version that is not newer and a release without a
 * CHANGELOG section, each leaving no tag and no commit; a good release bumps package.json and
 * package-lock.json, commits, tags vX.Y.Z, moves vX locally and pushes only vX.Y.Z (the Release
 * workflow moves vX on GitHub after its own dist/ check), or vX too with --push-major.
 *
 * The clone's `build` script is replaced by a cheap deterministic copy so the test exercises the
 * release logic, not ncc (CI's check-dist job covers the real build).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, spawnCollect, type CliResult } from '../../test-support/runner.js'

const CASE_TIMEOUT_MS = 60_000
/** Files the release depends on, taken from the working tree (the clone has HEAD's). */
const OVERLAY = [
  'script/release',
  'script/check-dist',
  'package.json',
  'package-lock.json',
  'CHANGELOG.md'
]

let dir = ''
let work = ''
let origin = ''

const gitEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: dir,
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release@example.invalid',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1'
})

async function run(command: string, args: string[], cwd = work): Promise<CliResult> {
  return spawnCollect('/usr/bin/env', ['-C', cwd, command, ...args], gitEnv(), 30_000)
}

async function git(args: string[], cwd = work): Promise<string> {
  const result = await run('git', args, cwd)
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`)
  return result.stdout.trim()
}

const release = (...args: string[]) => run('bash', ['script/release', ...args])

const tagsOf = async (cwd: string): Promise<string[]> =>
  (await git(['tag', '--list'], cwd)).split('\n').filter(Boolean).sort()

const packageVersion = (): string =>
  (JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')) as { version: string }).version

async function commitAll(message: string): Promise<void> {
  await git(['add', '-A'])
  await git(['commit', '--quiet', '-m', message])
}

function addChangelogSection(version: string): void {
  const file = join(work, 'CHANGELOG.md')
  const text = readFileSync(file, 'utf8')
  writeFileSync(
    file,
    text.replace(
      '## [Unreleased]\n',
      `## [Unreleased]\n\n## [${version}] - 2026-12-02\n\n- Test entry.\n`
    )
  )
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'release-'))
  origin = join(dir, 'origin.git')
  work = join(dir, 'work')
  await git(['init', '--quiet', '--bare', origin], dir)
  await git(['clone', '--quiet', '--no-hardlinks', ROOT, work], dir)
  for (const file of OVERLAY) copyFileSync(join(ROOT, file), join(work, file))
  // The stand-in build also stands in for ncc's stats (one bundled package, installed in the
  // clone's node_modules), so check-dist's licence check runs for real on what it reports.
  const fakeDep = join(work, 'node_modules', 'fake-dep')
  mkdirSync(fakeDep, { recursive: true })
  writeFileSync(
    join(fakeDep, 'package.json'),
    '{"name":"fake-dep","version":"1.0.0","license":"MIT"}\n'
  )
  writeFileSync(join(fakeDep, 'LICENSE'), 'MIT\n')
  writeFileSync(
    join(work, 'script', 'cheap-build.mjs'),
    [
      "import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'",
      "mkdirSync('dist', { recursive: true })",
      "mkdirSync('.tmp', { recursive: true })",
      "copyFileSync('src/index.ts', 'dist/index.js')",
      "const stats = JSON.stringify({ modules: [{ name: './node_modules/fake-dep/index.js' }] })",
      "for (const file of ['.tmp/stats-main.json', '.tmp/stats-post.json']) writeFileSync(file, stats)",
      ''
    ].join('\n')
  )
  await run('npm', [
    'pkg',
    'set',
    'scripts.build=node script/cheap-build.mjs && node script/licenses.mjs .tmp/stats-main.json > dist/licenses.txt'
  ])
  await run('npm', ['pkg', 'delete', 'scripts.prebuild'])
  rmSync(join(work, 'dist'), { recursive: true, force: true })
  await run('npm', ['run', 'build', '--silent'])
  await commitAll('test: cheap build')
  await git(['remote', 'set-url', 'origin', origin])
  await git(['push', '--quiet', 'origin', 'HEAD'])
}, CASE_TIMEOUT_MS)

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

test('script/release passes shellcheck', async () => {
  const result = await run('shellcheck', [join(ROOT, 'script', 'release')], ROOT)
  if (result.code === 127) throw new Error('shellcheck is needed: apt-get install shellcheck')
  expect({ code: result.code, findings: result.stdout }).toEqual({ code: 0, findings: '' })
})

test(
  'refuses a dirty tree, a stale dist/ and a missing CHANGELOG section, leaving no tag or commit',
  async () => {
    const head = await git(['rev-parse', 'HEAD'])
    writeFileSync(join(work, 'stray.txt'), 'not committed\n')
    const dirty = await release('1.1.0', '--no-push')
    expect(dirty.code).toBe(1)
    expect(dirty.stderr).toMatch(/the working tree is not clean/)
    rmSync(join(work, 'stray.txt'))

    const noEntry = await release('1.1.0', '--no-push')
    expect(noEntry.code).toBe(1)
    expect(noEntry.stderr).toMatch(/CHANGELOG\.md has no '## \[1\.1\.0\]/)

    addChangelogSection('1.1.0')
    writeFileSync(join(work, 'src', 'index.ts'), '// changed without rebuilding dist/\n', {
      flag: 'a'
    })
    await commitAll('a source change, dist/ not rebuilt')
    const stale = await release('1.1.0', '--no-push')
    expect(stale.code).toBe(1)
    expect(stale.stderr).toMatch(/dist\/ is not a fresh build/)
    // check-dist rebuilt dist/ in the tree: put it back as committed.
    await git(['checkout', '--', 'dist'])

    expect(await tagsOf(work)).toEqual([])
    expect(packageVersion()).toBe('1.0.0')
    expect(await git(['rev-list', '--count', `${head}..HEAD`])).toBe('1')
  },
  CASE_TIMEOUT_MS
)

test(
  'a good release: version bumped in both package files, one commit, vX.Y.Z annotated, vX moved locally, only vX.Y.Z pushed',
  async () => {
    await run('npm', ['run', 'build', '--silent'])
    await commitAll('rebuild dist/')
    const result = await release('v1.1.0')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/the Release workflow moves v1 there once dist\/ is verified/)

    expect(packageVersion()).toBe('1.1.0')
    const lock = JSON.parse(readFileSync(join(work, 'package-lock.json'), 'utf8')) as {
      version: string
      packages: Record<string, { version?: string }>
    }
    expect([lock.version, lock.packages['']?.version]).toEqual(['1.1.0', '1.1.0'])
    expect(await git(['log', '-1', '--format=%s'])).toBe('Release v1.1.0')
    expect(await git(['cat-file', '-t', 'v1.1.0'])).toBe('tag')
    const head = await git(['rev-parse', 'HEAD'])
    expect(await git(['rev-parse', 'v1.1.0^{commit}'])).toBe(head)
    expect(await git(['rev-parse', 'v1^{commit}'])).toBe(head)
    expect(await git(['status', '--porcelain'])).toBe('')

    expect(await tagsOf(origin)).toEqual(['v1.1.0'])
    const branch = await git(['rev-parse', '--abbrev-ref', 'HEAD'])
    expect(await git(['rev-parse', `refs/heads/${branch}`], origin)).toBe(head)
  },
  CASE_TIMEOUT_MS
)

test(
  'refuses a version that is not newer than the latest tag, or one that exists',
  async () => {
    for (const version of ['1.0.9', '1.1.0']) {
      addChangelogSection(version)
      await commitAll(`changelog ${version}`)
      const result = await release(version, '--no-push')
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/already exists|is not newer than the latest release v1\.1\.0/)
    }
    expect(await tagsOf(work)).toEqual(['v1', 'v1.1.0'])
  },
  CASE_TIMEOUT_MS
)

test(
  'a new major with --push-major pushes v2; v1 stays where it was',
  async () => {
    const v1 = await git(['rev-parse', 'v1^{commit}'])
    addChangelogSection('2.0.0')
    await commitAll('changelog 2.0.0')
    const result = await release('2.0.0', '--push-major')
    expect(result.code).toBe(0)
    const head = await git(['rev-parse', 'HEAD'])
    expect(await tagsOf(origin)).toEqual(['v1.1.0', 'v2', 'v2.0.0'])
    expect(await git(['rev-parse', 'v2^{commit}'], origin)).toBe(head)
    expect(await git(['rev-parse', 'v1^{commit}'])).toBe(v1)
  },
  CASE_TIMEOUT_MS
)
