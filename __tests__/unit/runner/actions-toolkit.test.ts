/**
 * How src/runner/actions-toolkit.ts reaches @actions/core and @actions/github: @actions/core only through
 * its public entry (what tools such as GitHub's local-action replace), @actions/github's Context by
 * path; the bundle's stand-ins for the OIDC client and @actions/exec (tsconfig.build.json `paths`) keep
 * undici and Octokit out of dist/. An update that moves a file fails here, before anything is built.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative } from 'node:path'
import * as toolkit from '../../../src/runner/actions-toolkit.js'
import * as standIns from '../../../src/bundle/toolkit-stand-ins.js'
import { ROOT } from '../../../test-support/runner.js'

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

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : []
  )

test("@actions/core/lib/core.js is the package's public entry, the file local-action replaces", () => {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', '@actions/core', 'package.json'), 'utf8')
  ) as { exports: { '.': { import: string } } }
  expect(`@actions/core/${manifest.exports['.'].import.replace(/^\.\//, '')}`).toBe(
    toolkit.TOOLKIT_FILES[0]
  )
  // local-action 7 stubs exactly this file (its run command: `lib`, `core.js` under the package).
  const localAction = readFileSync(
    join(ROOT, 'node_modules', '@github/local-action', 'src', 'commands', 'run.ts'),
    'utf8'
  )
  expect(localAction).toMatch(/'@actions\/core': \{\s*base: [^,]+,\s*lib: \['lib', 'core\.js'\]/)
})

test('no other module of src/ imports @actions/core or @actions/github', () => {
  const importers = sourceFiles(join(ROOT, 'src'))
    .filter(file =>
      imports(readFileSync(file, 'utf8')).some(s => /@actions\/(core|github)/.test(s))
    )
    .map(file => relative(ROOT, file))
  expect(importers).toEqual(['src/runner/actions-toolkit.ts'])
})

test("Context's file loads only Node built-ins (relative imports followed)", () => {
  expect(packagesLoaded(join(ROOT, 'node_modules', toolkit.TOOLKIT_FILES[1]))).toEqual([])
})

test("core's entry loads exactly the packages the bundle stands in for", () => {
  const core = packagesLoaded(join(ROOT, 'node_modules', toolkit.TOOLKIT_FILES[0]))
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> }
  }
  const standIn = Object.entries(tsconfig.compilerOptions.paths)
    .filter(([, targets]) => targets.includes('./src/bundle/toolkit-stand-ins.ts'))
    .map(([name]) => name)
  expect([...new Set(core.map(([, specifier]) => specifier))].sort()).toEqual(standIn.sort())
})

test('the stand-ins fail saying why, should anything reach them', async () => {
  const why = /is not bundled with this action: @actions\/core's getIDToken and platform are unused/
  expect(() => new standIns.HttpClient()).toThrow(why)
  expect(() => new standIns.BearerCredentialHandler()).toThrow(why)
  await expect(standIns.exec()).rejects.toThrow(why)
  await expect(standIns.getExecOutput()).rejects.toThrow(why)
})

test('it exports what runner/commands.ts and runner/github-context.ts call, and not what the stand-ins replace', () => {
  for (const name of [
    'debug',
    'error',
    'exportVariable',
    'getInput',
    'getState',
    'info',
    'isDebug',
    'saveState',
    'setOutput',
    'setSecret',
    'warning',
    'Context'
  ] as const) {
    expect(typeof toolkit[name]).toBe('function')
  }
  expect(Object.keys(toolkit)).not.toContain('getIDToken')
  expect(Object.keys(toolkit)).not.toContain('platform')
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
