/**
 * src/ in rooms, with imports that run one way: the top level holds only the entries and the
 * pipeline, each room opens with a README saying what lives there and what it may import, and no
 * module imports (statically, dynamically or for types) outside what its room's README allows.
 */
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, posix, relative } from 'node:path'
import { ROOT } from '../../test-support/runner.js'

const SRC = join(ROOT, 'src')
/** The entries and the pipeline: the only modules at the top level of src/. */
const TOP = ['assume.ts', 'index.ts', 'main.ts', 'post.ts', 'publish.ts', 'settings.ts']
const ROOMS = [
  'bundle',
  'diagnose',
  'inputs',
  'network',
  'post',
  'profiles',
  'rules',
  'runner',
  'sources'
]

/** What each room or top-level module may import besides itself; the rooms' READMEs say the same. */
const MAY_IMPORT: Record<string, string[]> = {
  rules: [],
  runner: ['rules'],
  'settings.ts': ['rules', 'runner'],
  inputs: ['rules', 'runner', 'settings.ts'],
  network: ['rules', 'runner', 'settings.ts'],
  sources: ['network', 'runner', 'rules', 'settings.ts'],
  profiles: ['sources', 'network', 'runner', 'rules', 'settings.ts'],
  post: ['profiles', 'runner', 'rules'],
  diagnose: ['sources', 'profiles', 'network', 'inputs', 'runner', 'rules', 'settings.ts'],
  'assume.ts': [
    'diagnose',
    'sources',
    'profiles',
    'network',
    'inputs',
    'runner',
    'rules',
    'settings.ts'
  ],
  'publish.ts': ['assume.ts', 'profiles', 'network', 'runner', 'rules', 'settings.ts'],
  'main.ts': [
    'assume.ts',
    'publish.ts',
    'diagnose',
    'profiles',
    'network',
    'inputs',
    'runner',
    'rules',
    'settings.ts'
  ],
  'index.ts': ['main.ts', 'profiles'],
  'post.ts': ['post'],
  bundle: []
}

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
const sources = files(SRC).filter(path => path.endsWith('.ts'))
/** The room of a file under src/ (its first folder), or its own name at the top level. */
const roomOf = (path: string): string => relative(SRC, path).split(/[\\/]/)[0] ?? ''

/** Every relative module a file names: import … from, export … from, import(). */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map(
    ([, specifier = '']) => join(dirname(path), specifier.replace(/\.js$/, '.ts'))
  )
}

test('the top level of src/ holds only the entries and the pipeline', () => {
  const top = readdirSync(SRC).filter(name => !statSync(join(SRC, name)).isDirectory())
  expect(top.sort()).toEqual(TOP)
  const folders = readdirSync(SRC).filter(name => statSync(join(SRC, name)).isDirectory())
  expect(folders.sort()).toEqual(ROOMS)
})

describe.each(ROOMS)('src/%s/', room => {
  test('opens with a README saying what lives there and what it may import', () => {
    const text = readFileSync(join(SRC, room, 'README.md'), 'utf8')
    expect(text.startsWith(`# ${room}/\n\n`)).toBe(true)
    expect(text).toMatch(/\*\*May import:\*\*/)
    // The README names every room the test allows, so the two cannot drift apart.
    for (const allowed of MAY_IMPORT[room] ?? []) {
      expect(text).toContain(allowed.endsWith('.ts') ? `\`${allowed}\`` : `\`${allowed}/\``)
    }
  })
})

test('every import runs one way: into the module’s own room or one its README allows', () => {
  const wrong: string[] = []
  for (const path of sources) {
    const room = roomOf(path)
    for (const target of importsOf(path)) {
      const into = relative(SRC, target).startsWith('..') ? 'node_modules' : roomOf(target)
      if (into === room || into === 'node_modules') continue
      if (!(MAY_IMPORT[room] ?? []).includes(into)) {
        wrong.push(`${posix.normalize(relative(ROOT, path))} → ${relative(ROOT, target)}`)
      }
    }
  }
  expect(wrong).toEqual([])
})

test('the bundle stand-ins import nothing of src/, and nothing in src/ imports them by path', () => {
  for (const path of sources) {
    for (const target of importsOf(path)) {
      const inSrc = !relative(SRC, target).startsWith('..')
      if (roomOf(path) === 'bundle') expect(inSrc).toBe(false)
      else if (inSrc) expect(roomOf(target)).not.toBe('bundle')
    }
  }
})

test('a room lists the same rooms in its README as this test allows it (none it may not)', () => {
  for (const room of ROOMS) {
    const text = readFileSync(join(SRC, room, 'README.md'), 'utf8')
    const clause = /\*\*May import:\*\*([\s\S]*?)(?:\.\s|\.$)/.exec(text)?.[1] ?? ''
    const named = [...clause.matchAll(/`([a-z-]+)\/`/g)].map(([, name = '']) => name)
    const notAllowed = named.filter(
      name => name !== room && ROOMS.includes(name) && !(MAY_IMPORT[room] ?? []).includes(name)
    )
    expect({ room, notAllowed }).toEqual({ room, notAllowed: [] })
  }
})
