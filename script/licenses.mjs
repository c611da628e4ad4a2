// Writes the third-party licences of every production dependency (from package-lock.json) to
// stdout. ncc's own --license output misses modules of the entry chunk in ESM builds.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'))
const entries = Object.entries(lock.packages)
  .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.dev)
  .sort(([a], [b]) => a.localeCompare(b))

for (const [path, meta] of entries) {
  const name = path.replace(/^.*node_modules\//, '')
  const licenceFile = existsSync(path)
    ? readdirSync(path).find(file => /^(licen[cs]e|copying)(\..*)?$/i.test(file))
    : undefined
  const text = licenceFile
    ? readFileSync(join(path, licenceFile), 'utf8').trim()
    : '(no licence file)'
  process.stdout.write(`${name}@${meta.version}\n${meta.license ?? 'UNKNOWN'}\n${text}\n\n`)
}
