/** What the committed bundle weighs: the files under dist/ and their sizes. */
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from '../../test-support/runner.js'

export interface DistFile {
  file: string
  bytes: number
}

/** Every file under dist/ (path from ROOT, bytes), sorted by path. */
export function distFiles(): DistFile[] {
  const out: DistFile[] = []
  const walk = (dir: string, depth: number): void => {
    if (depth > 5) return
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full, depth + 1)
      else if (entry.isFile()) out.push({ file: relative(ROOT, full), bytes: statSync(full).size })
    }
  }
  walk(join(ROOT, 'dist'), 0)
  return out.sort((a, b) => a.file.localeCompare(b.file))
}

/** The .js files under dist/ and their total bytes. */
export function distJsBytes(): { files: DistFile[]; total: number } {
  const files = distFiles().filter(f => f.file.endsWith('.js'))
  return { files, total: files.reduce((a, f) => a + f.bytes, 0) }
}
