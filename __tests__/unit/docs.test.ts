/**
 * The README and docs/ as a reader follows them: every relative link reaches a file of the
 * repository and, with a #fragment, a heading of that file (GitHub's anchor rule); the README stays
 * short enough to be read first; the test command a newcomer reads is the one CI runs, and the
 * docs name the Node it runs on; the module map of docs/development.md names every file of src/.
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { ROOT } from '../../test-support/runner.js'

const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  'test-support/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter(name => name.endsWith('.md'))
    .map(name => `docs/${name}`)
]

/** Markdown outside fenced code blocks. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '')
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces as `-`. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const [, heading = ''] of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    result.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return result
}

describe.each(PAGES)('%s', page => {
  const file = join(ROOT, page)
  const links = [...prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, target = '']) => target)
    .filter(target => !/^[a-z]+:/.test(target))

  test('every relative link reaches a file and a heading', () => {
    const broken = links.filter(target => {
      const [path = '', fragment] = target.split('#')
      const linked = path === '' ? file : join(dirname(file), path)
      if (!existsSync(linked)) return true
      return fragment !== undefined && linked.endsWith('.md') && !anchors(linked).has(fragment)
    })
    expect({ page: relative(ROOT, file), broken }).toEqual({ page, broken: [] })
  })
})

test('the README is what a user reads first: at most 400 lines', () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length
  expect(lines).toBeLessThanOrEqual(400)
})

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

/** The first fenced `sh` block after a heading. */
function commandUnder(page: string, heading: string): string {
  const text = read(page)
  const at = text.indexOf(`\n${heading}\n`)
  expect({ page, heading, found: at > -1 }).toEqual({ page, heading, found: true })
  return /```sh\n([\s\S]*?)```/.exec(text.slice(at))?.[1]?.trim() ?? ''
}

test('the test command a newcomer reads is the one CI runs, and it installs what it needs', () => {
  expect(commandUnder('README.md', '## Development')).toBe('script/test')
  expect(commandUnder('docs/development.md', '## Tests')).toBe('script/test')
  expect(commandUnder('CONTRIBUTING.md', '## Test')).toBe('script/test')
  const manifest = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
  expect(manifest.scripts['test:all']).toBe('bash script/test')
  // .ci/run installs with it, then runs the suite with it; the CI job runs it as the README says.
  const ci = read('.ci/run')
  expect(ci).toMatch(/^script\/test --install-only$/m)
  expect(ci).toMatch(/^script\/test --json --outputFile=\S+$/m)
  expect(ci).not.toMatch(/npm (test|ci)\b/)
  expect(read('.github/workflows/ci.yml')).toMatch(/run: npm run test:all\n/)
  const script = read('script/test')
  expect(statSync(join(ROOT, 'script', 'test')).mode & 0o111).not.toBe(0)
  expect(script).toMatch(/apt-get install/)
  expect(script).toMatch(/npm install --prefix "\$NODE24_PREFIX" .*"node@\$NODE24_VERSION"/)
  expect(script).toMatch(/^NODE24_PREFIX="\$PWD\/\.tmp\/node24"$/m)
  expect(script).toMatch(/npm ci --ignore-scripts/)
})

test('README and docs/development.md state the Node version the action and the suite run on', () => {
  const version = read('.node-version').trim()
  expect(version).toBe('24')
  expect(read('action.yml')).toMatch(/using: 'node24'\n/)
  expect(read('script/test')).toMatch(/^NODE24_VERSION="24\.\d+\.\d+"$/m)
  for (const page of ['README.md', 'docs/development.md']) {
    expect({ page, names: /Node 24\b/.test(read(page)) }).toEqual({ page, names: true })
  }
})

describe('the module map of docs/development.md', () => {
  const sources = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap(entry =>
      entry.isDirectory() ? sources(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`]
    )
  // The modules; each room's README.md is its own opening paragraph (layers.test.ts).
  const files = sources('src')
    .filter(file => file.endsWith('.ts'))
    .sort()
  const named = [...read('docs/development.md').matchAll(/^\| `(src\/[^`]+)`/gm)].map(
    ([, file = '']) => file
  )

  test('names every module of src/ (a new file needs its row)', () => {
    expect(files.filter(file => !named.includes(file))).toEqual([])
  })

  test('names no file that does not exist, and each once', () => {
    expect(named.filter(file => !files.includes(file))).toEqual([])
    expect(named.filter((file, index) => named.indexOf(file) !== index)).toEqual([])
  })
})
