/** The RTT bench's command line: RTTs, run counts, the node binary, the builds to compare. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface RttOptions {
  rtts: number[]
  runs: number
  warmup: number
  rssRuns: number
  node: string
  peer?: string
  before?: string
}

export function parseRttArgs(argv: string[]): RttOptions {
  const opts: RttOptions = {
    rtts: [0, 20, 60],
    runs: 11,
    warmup: 2,
    rssRuns: 3,
    node: process.env.ACTION_NODE || process.execPath
  }
  const whole = (flag: string, value: string | undefined, max: number): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new Error(`${flag} takes 0..${max}; got ${value}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined]
    const value = (): string | undefined => inline ?? argv[++i]
    switch (flag) {
      case '--rtt':
        opts.rtts = (value() ?? '').split(',').map(v => whole(flag, v, 500))
        break
      case '--runs':
        opts.runs = Math.max(1, whole(flag, value(), 200))
        break
      case '--warmup':
        opts.warmup = whole(flag, value(), 20)
        break
      case '--rss-runs':
        opts.rssRuns = whole(flag, value(), 20)
        break
      case '--node': {
        const path = value() ?? ''
        if (!existsSync(path)) throw new Error(`--node: no such file: ${path}`)
        opts.node = path
        break
      }
      case '--peer': {
        const dir = value() ?? ''
        if (!existsSync(join(dir, 'dist', 'index.js')) || !existsSync(join(dir, 'action.yml'))) {
          throw new Error(
            `--peer: ${dir} has no dist/index.js and action.yml (a configure-aws-credentials checkout)`
          )
        }
        opts.peer = dir
        break
      }
      case '--before': {
        const dir = value() ?? ''
        if (!existsSync(join(dir, 'dist', 'index.js')) || !existsSync(join(dir, 'action.yml'))) {
          throw new Error(`--before: ${dir} has no dist/index.js and action.yml`)
        }
        opts.before = dir
        break
      }
      case '--help':
        console.log(
          'npm run bench -- [--rtt 0,20,60] [--runs N] [--warmup N] [--node PATH] [--peer DIR] [--before DIR] [--rss-runs N]'
        )
        process.exit(0)
        break
      default:
        throw new Error(`unknown argument ${argv[i]}`)
    }
  }
  return opts
}
