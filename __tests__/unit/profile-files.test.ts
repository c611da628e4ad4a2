/** Splicing profile sections: only our sections change, everything else stays byte for byte. */
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spliceSection, undoChange, writeSections } from '../../src/profile-files.js'

const FILE =
  '# top comment\n[default]\nregion = eu-west-1\n\n[profile dev] ; inline\nregion = us-east-2\n; note\n[profile prod]\nregion = eu-central-1\n'

describe('spliceSection', () => {
  test('replaces exactly one section, up to the next header, keeping comments elsewhere', () => {
    const out = spliceSection(FILE, 'profile dev', '[profile dev]\nregion = ap-south-1\n')
    expect(out).toBe(
      '# top comment\n[default]\nregion = eu-west-1\n\n[profile dev]\nregion = ap-south-1\n[profile prod]\nregion = eu-central-1\n'
    )
  })

  test('appends a new section after a blank line, and removes it again byte for byte', () => {
    const added = spliceSection(FILE, 'profile ci', '[profile ci]\nregion = us-east-1\n')
    expect(added).toBe(`${FILE}\n[profile ci]\nregion = us-east-1\n`)
    expect(spliceSection(added, 'profile ci', '').replace(/\n$/, '')).toBe(FILE)
  })

  test('handles files without a final newline, CRLF lines and headers with spaces', () => {
    expect(spliceSection('[a]\nx = 1', 'b', '[b]\ny = 2\n')).toBe('[a]\nx = 1\n\n[b]\ny = 2\n')
    expect(spliceSection('[ a ]\r\nx = 1\r\n[b]\r\n', 'a', '')).toBe('[b]\r\n')
  })

  test('a section name that is a prefix of another is not confused with it', () => {
    const text = '[deploy-source]\nk = 1\n[deploy]\nk = 2\n'
    expect(spliceSection(text, 'deploy', '[deploy]\nk = 3\n')).toBe(
      '[deploy-source]\nk = 1\n[deploy]\nk = 3\n'
    )
  })
})

describe('writeSections and undoChange', () => {
  test('write 0600, then restore the previous content exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const path = join(dir, 'aws', 'config')
    const first = await writeSections(path, [
      { header: 'profile ci', entries: [['region', 'us-east-1']] }
    ])
    expect(first.original).toBeNull()
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'aws')).mode & 0o777).toBe(0o700)
    expect(await undoChange(first)).toBe('restored')
    expect(() => statSync(path)).toThrow()

    writeFileSync(path, FILE)
    const second = await writeSections(path, [
      { header: 'profile dev', entries: [['region', 'x']] }
    ])
    expect(await undoChange(second)).toBe('restored')
    expect(readFileSync(path, 'utf8')).toBe(FILE)
  })

  test('when another step changed the file since, only our sections are removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const path = join(dir, 'config')
    writeFileSync(path, FILE)
    const change = await writeSections(path, [
      { header: 'profile ci', entries: [['region', 'us-east-1']] }
    ])
    writeFileSync(path, `${readFileSync(path, 'utf8')}[profile later]\nregion = sa-east-1\n`)
    expect(await undoChange(change)).toBe('removed-sections')
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain('[profile ci]')
    expect(text).toContain('[profile later]\nregion = sa-east-1\n')
    expect(text.startsWith(FILE)).toBe(true)
  })

  test('a symbolic link is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    writeFileSync(join(dir, 'target'), 'x')
    symlinkSync(join(dir, 'target'), join(dir, 'credentials'))
    await expect(writeSections(join(dir, 'credentials'), [])).rejects.toThrow('symbolic link')
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('x')
  })
})
