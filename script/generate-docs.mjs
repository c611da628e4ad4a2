// Writes docs/inputs.md, the inputs and outputs reference, from action.yml (the one place they are
// described), formatted with the repository's Prettier settings. `--check` writes nothing and
// exits 1 when the committed file differs from what action.yml gives (CI runs it).
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { parse } from 'yaml'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const TARGET = join(ROOT, 'docs', 'inputs.md')
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'))

/** One table cell: one line, and no `|` that would end the cell. */
const cell = text =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\|/g, '\\|')
const code = text => (text === undefined || text === '' ? '' : `\`${cell(text)}\``)

const entries = Object.entries(action.inputs ?? {})
// Columns that would be empty in every row are left out.
const anyRequired = entries.some(([, input]) => input.required)
const anyDefault = entries.some(([, input]) => input.default !== undefined)
const inputHeader = [
  'Input',
  ...(anyRequired ? ['Required'] : []),
  ...(anyDefault ? ['Default'] : [])
]
const inputs = entries.map(([name, input]) =>
  [
    `\`${name}\``,
    ...(anyRequired ? [input.required ? 'yes' : ''] : []),
    ...(anyDefault ? [code(input.default)] : []),
    cell(input.description)
  ].join(' | ')
)
const outputs = Object.entries(action.outputs ?? {}).map(
  ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`
)

const text = [
  '<!-- Generated from action.yml by script/generate-docs.mjs (npm run docs); do not edit. -->',
  '',
  '# Inputs and outputs',
  '',
  'Every input is optional; which ones a run needs depends on the source identity (see the',
  '[README](../README.md)). Booleans are `true` or `false` in any case; numbers are plain digits.',
  'An input left empty may be filled from an environment variable, as its description says.',
  '',
  '## Inputs',
  '',
  `| ${[...inputHeader, 'Description'].join(' | ')} |`,
  `|${' --- |'.repeat(inputHeader.length + 1)}`,
  ...inputs.map(row => `| ${row} |`),
  '',
  '## Outputs',
  '',
  '| Output | Description |',
  '| --- | --- |',
  ...outputs,
  ''
].join('\n')

const options = { ...(await prettier.resolveConfig(TARGET)), filepath: TARGET }
const formatted = await prettier.format(text, options)

if (process.argv.includes('--check')) {
  let committed = ''
  try {
    committed = readFileSync(TARGET, 'utf8')
  } catch {
    // A missing file is stale too.
  }
  if (committed !== formatted) {
    console.error('docs/inputs.md is stale: action.yml changed. Run `npm run docs` and commit it.')
    process.exit(1)
  }
  console.log('docs/inputs.md matches action.yml.')
} else {
  writeFileSync(TARGET, formatted)
  console.log('Wrote docs/inputs.md from action.yml.')
}
