/**
 * Minifies the chunks ncc writes beside a bundle (dist/NNN.index.js, one per dynamic import):
 * `ncc -m` minifies only the entry file. Same terser settings as ncc uses for the entry (no
 * compression, names of classes and functions kept, as error names and diagnoses rely on them).
 *
 *   node script/minify-chunks.mjs DIR...
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { minify } from 'terser'

for (const dir of process.argv.slice(2)) {
  for (const name of readdirSync(dir)
    .filter(n => /^\d+\.index\.js$/.test(n))
    .sort()) {
    const file = join(dir, name)
    const { code } = await minify(readFileSync(file, 'utf8'), {
      module: true,
      compress: false,
      mangle: { keep_classnames: true, keep_fnames: true }
    })
    if (code === undefined) throw new Error(`terser produced nothing for ${file}`)
    writeFileSync(file, code)
  }
}
