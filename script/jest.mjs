// Runs jest with the Node options its ESM tests need, the same from every shell npm may use
// (sh, cmd.exe, PowerShell): `NODE_OPTIONS=… jest` works only in POSIX shells.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const jest = createRequire(import.meta.url).resolve('jest/bin/jest')
const options = [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings']
  .filter(Boolean)
  .join(' ')
const result = spawnSync(process.execPath, [jest, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: options }
})
if (result.error) throw result.error
process.exit(result.status ?? 1)
