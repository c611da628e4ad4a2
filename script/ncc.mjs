// Runs ncc with the bundle's stand-ins (tsconfig.build.json `paths`). ncc resolves modules through
// tsconfig-paths, which reads the file TS_NODE_PROJECT names; only the bundle sees the stand-ins,
// while tsc, jest and tsx (GitHub's local-action runs src/ with it) see the real packages.
//   node script/ncc.mjs build ENTRY -o DIR ...      (the arguments go to ncc unchanged)
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ncc = createRequire(import.meta.url).resolve('@vercel/ncc/dist/ncc/cli.js')
const result = spawnSync(process.execPath, [ncc, ...process.argv.slice(2)], {
  stdio: 'inherit',
  // Absolute: tsconfig-paths resolves a relative name against the config it was about to read.
  env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.build.json') }
})
if (result.error) throw result.error
process.exit(result.status ?? 1)
