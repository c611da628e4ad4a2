/**
 * The deep imports of src/actions-toolkit.ts: the files must exist where it names them, load only
 * Node built-ins and each other (so the undici/Octokit saving is real), and export what the
 * action calls. An update of @actions/core or @actions/github that moves them fails here.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join } from 'node:path'
import * as toolkit from '../../src/actions-toolkit.js'
import { ROOT } from '../../test-support/runner.js'

const imports = (text: string): string[] =>
  [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n]*?from\s+['"]([^'"]+)['"]/g)].map(
    match => match[1] ?? ''
  )

/** Every package a module loads, following its relative imports: [importer, specifier] pairs. */
function packagesLoaded(file: string, seen = new Set<string>()): Array<[string, string]> {
  if (seen.has(file)) return []
  seen.add(file)
  const found: Array<[string, string]> = []
  for (const specifier of imports(readFileSync(file, 'utf8'))) {
    if (specifier.startsWith('./') || specifier.startsWith('../')) {
      found.push(...packagesLoaded(join(dirname(file), specifier), seen))
    } else if (!builtinModules.includes(specifier.replace(/^node:/, ''))) {
      found.push([file, specifier])
    }
  }
  return found
}

test.each(toolkit.TOOLKIT_FILES)(
  '%s loads only Node built-ins (relative imports followed)',
  file => {
    expect(packagesLoaded(join(ROOT, 'node_modules', file))).toEqual([])
  }
)

test("the packages' indexes load more: the reason for the deep imports", () => {
  const core = packagesLoaded(join(ROOT, 'node_modules', '@actions/core/lib/core.js'))
  expect(core.map(([, specifier]) => specifier)).toContain('@actions/http-client')
})

test('it exports what runner.ts and github-context.ts call', () => {
  for (const name of [
    'issueCommand',
    'issueFileCommand',
    'prepareKeyValueMessage',
    'toCommandProperties',
    'Context'
  ] as const) {
    expect(typeof toolkit[name]).toBe('function')
  }
})

test('no bundle in dist/ carries undici or Octokit', () => {
  const bundles = [
    ...readdirSync(join(ROOT, 'dist')).map(file => join(ROOT, 'dist', file)),
    ...readdirSync(join(ROOT, 'dist', 'post')).map(file => join(ROOT, 'dist', 'post', file))
  ].filter(file => file.endsWith('.js'))
  expect(bundles.length).toBeGreaterThan(1)
  for (const file of bundles) {
    const text = readFileSync(file, 'utf8')
    expect({ file, undici: text.includes('undici'), octokit: /octokit/i.test(text) }).toEqual({
      file,
      undici: false,
      octokit: false
    })
  }
})
