/**
 * Runs the seed-world emulator as a process for demos and benchmarks:
 *   npx tsx test-support/emulator/cli.ts [--port N] [--latency MS]
 * Prints ONE JSON line (url, OIDC request URL/token, seed keys and ARNs) and serves until
 * SIGINT/SIGTERM, or until stdin closes when stdin is a pipe. Faults, stats and the clock are reachable over HTTP under /__emulator/.
 */
import { fstatSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { SEED, startEmulator } from './index.js'

const { values } = parseArgs({
  options: { port: { type: 'string' }, latency: { type: 'string' } },
  strict: true
})

function intOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative integer, got ${raw}\n`)
    process.exit(2)
  }
  return n
}

const emu = await startEmulator({
  port: intOption('port', values.port),
  latencyMs: intOption('latency', values.latency)
})

process.stdout.write(
  JSON.stringify({
    ...SEED,
    url: emu.url,
    region: emu.region,
    oidcRequestUrl: emu.oidcRequestUrl,
    oidcRequestToken: emu.oidcRequestToken,
    jwksUrl: emu.jwksUrl,
    controlUrl: `${emu.url}/__emulator`
  }) + '\n'
)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  emu.close().then(
    () => process.exit(0),
    () => process.exit(1)
  )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

// When a parent talks to us through a pipe, its exit closes that pipe: stop rather than linger
// as an orphan (npx, for one, does not pass SIGTERM on to this process).
const stdin = fstatSync(0)
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', stop).on('close', stop).resume()
}
