/** The start-up bench's command line: run counts, the node binary, profiling and strictness. */
import { existsSync } from 'node:fs'

export interface StartupOptions {
  runs: number
  warmup: number
  probeRuns: number
  node: string
  profile: boolean
  strict: boolean
}

export function parseStartupArgs(argv: string[]): StartupOptions {
  const opts: StartupOptions = {
    runs: 20,
    warmup: 3,
    probeRuns: 5,
    node: process.execPath,
    profile: true,
    strict: false
  }
  const count = (flag: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`${flag} takes a whole number from ${min} to ${max}; got ${value}`)
    }
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined]
    const value = (): string | undefined => inline ?? argv[++i]
    switch (flag) {
      case '--runs':
        opts.runs = count(flag, value(), 1, 200)
        break
      case '--warmup':
        opts.warmup = count(flag, value(), 0, 20)
        break
      case '--probe-runs':
        opts.probeRuns = count(flag, value(), 1, 50)
        break
      case '--node': {
        const path = value()
        if (!path || !existsSync(path)) throw new Error(`--node: no such file: ${path}`)
        opts.node = path
        break
      }
      case '--no-profile':
        opts.profile = false
        break
      case '--strict':
        opts.strict = true
        break
      case '--help':
        console.log(
          'npm run bench:startup -- [--runs N] [--warmup N] [--node PATH] [--probe-runs N] [--no-profile] [--strict]'
        )
        process.exit(0)
        break
      default:
        throw new Error(`unknown argument ${arg}`)
    }
  }
  return opts
}
