/**
 * The README and docs/ as a reader follows them: every relative link reaches a file of the
 * repository and, with a #fragment, a heading of that file (GitHub's anchor rule); the README stays
 * short enough to be read first.
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { ROOT } from '../../test-support/runner.js'

const PAGES = [
  'README.md',
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
