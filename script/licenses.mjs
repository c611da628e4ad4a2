// Writes the licence of every third-party package bundled into dist/ to stdout, from the bundler's
// own list of what it bundled: the webpack stats ncc writes with --stats-out (one file per bundle).
// Fails when a bundled package has no licence, so a new dependency cannot ship unlisted.
// (ncc's --license output misses modules of the entry chunk in ESM builds; package-lock.json
// lists what is installed, not what is bundled.)
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

// `--check FILE`: instead of writing, fail unless FILE lists every bundled package at its version.
const args = process.argv.slice(2)
const checkIndex = args.indexOf('--check')
const checkFile = checkIndex === -1 ? undefined : args.splice(checkIndex, 2)[1]
const statsFiles = args
if (statsFiles.length === 0 || (checkIndex !== -1 && !checkFile)) {
  console.error('usage: node script/licenses.mjs [--check licenses.txt] <ncc stats.json>...')
  process.exit(2)
}

/** Every module path in the stats, concatenated modules included. */
function moduleNames(modules, out = []) {
  for (const module of modules ?? []) {
    if (module.name) out.push(module.name)
    if (module.identifier) out.push(module.identifier.split('!').pop())
    moduleNames(module.modules, out)
  }
  return out
}

/** `node_modules/<name>` or `node_modules/@scope/<name>`, the innermost one (nested installs). */
function packageDir(path) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path.replace(/^\.\//, ''))
  return match?.[1]
}

const dirs = new Set()
for (const file of statsFiles) {
  const stats = JSON.parse(readFileSync(file, 'utf8'))
  for (const name of moduleNames(stats.modules)) {
    const dir = packageDir(name.replace(`${process.cwd()}/`, ''))
    // ncc's own loaders appear in every identifier; they are not part of the bundle.
    if (dir && !dir.includes('@vercel/ncc')) dirs.add(dir)
  }
}
if (dirs.size === 0) {
  console.error(`no bundled packages found in ${statsFiles.join(', ')}`)
  process.exit(1)
}

if (checkFile) {
  const listed = new Set(readFileSync(checkFile, 'utf8').split('\n'))
  const unlisted = [...dirs]
    .map(dir => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')))
    .map(meta => `${meta.name}@${meta.version}`)
    .filter(entry => !listed.has(entry))
  if (unlisted.length > 0) {
    console.error(
      `${checkFile} lacks bundled packages: ${unlisted.join(', ')}. Run 'npm run build'.`
    )
    process.exit(1)
  }
  console.log(`${checkFile} lists all ${dirs.size} bundled packages.`)
  process.exit(0)
}

const missing = []
for (const dir of [...dirs].sort((a, b) => a.localeCompare(b))) {
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const licenceFile = existsSync(dir)
    ? readdirSync(dir).find(file => /^(licen[cs]e|copying)(\..*)?$/i.test(file))
    : undefined
  if (!meta.license && !licenceFile) missing.push(meta.name)
  const text = licenceFile
    ? readFileSync(join(dir, licenceFile), 'utf8').trim()
    : '(no licence file)'
  process.stdout.write(`${meta.name}@${meta.version}\n${meta.license ?? 'UNKNOWN'}\n${text}\n\n`)
}
if (missing.length > 0) {
  console.error(`bundled packages without a licence: ${missing.join(', ')}`)
  process.exit(1)
}
