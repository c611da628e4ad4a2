/**
 * Session tags through readSettings (src/rules/tags.ts): the GitHub context tags, custom-tags and
 * transitive-tag-keys.
 */
import { describe, expect, test } from '@jest/globals'
import type { RunContext } from '../../../src/runner/github-context.js'
import {
  NO_KEYS,
  OIDC_ENV,
  CONTEXT,
  CONTEXT_TAGS,
  OWN_KEYS,
  roleOf,
  settings,
  expectRefused,
  escapeRegExp,
  type Changes
} from '../../../test-support/read-settings.js'

describe('custom-tags and the GitHub context tags', () => {
  const customOf = (changes: Changes, context = CONTEXT): Array<{ Key: string; Value: string }> =>
    roleOf(changes, {}, context).tags

  test('the thirteen context tags, as configure-aws-credentials v6.2.3 sets them', () => {
    expect(customOf({})).toEqual(CONTEXT_TAGS)
  })

  test('a tag whose variable is unset or empty is not sent; GitHub=Actions always is', () => {
    const bare: RunContext = { payload: {}, workflow: '', ref: undefined, baseRef: '', runId: '' }
    expect(customOf({}, bare)).toEqual([{ Key: 'GitHub', Value: 'Actions' }])
    const push = { ...CONTEXT, eventName: 'push', baseRef: '', headRef: '' }
    expect(customOf({}, push).map(tag => tag.Key)).toEqual(
      OWN_KEYS.filter(key => key !== 'BaseRef' && key !== 'HeadRef')
    )
  })

  test('string, number and boolean values, after the context tags', () => {
    expect(
      customOf({ 'custom-tags': '{"Team":"platform","Cost":42,"Prod":true,"Empty":""}' })
    ).toEqual([
      ...CONTEXT_TAGS,
      { Key: 'Team', Value: 'platform' },
      { Key: 'Cost', Value: '42' },
      { Key: 'Prod', Value: 'true' },
      { Key: 'Empty', Value: '' }
    ])
  })

  test('letters of any script, spaces and _.:/=+-@ in keys and values', () => {
    const tags = { 'Cost Center': 'R and D', Équipe: 'données', 'a_.:/=+-@': 'x_.:/=+-@' }
    expect(customOf({ 'custom-tags': JSON.stringify(tags) })).toEqual([
      ...CONTEXT_TAGS,
      ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
    ])
  })

  test('128-character keys and 256-character values', () => {
    const key = 'k'.repeat(128)
    expect(customOf({ 'custom-tags': JSON.stringify({ [key]: 'v'.repeat(256) }) }).at(-1)).toEqual({
      Key: key,
      Value: 'v'.repeat(256)
    })
  })

  test('role-skip-session-tagging sends no tag at all, custom ones included, and says so', () => {
    const skip = { 'role-skip-session-tagging': 'true', 'custom-tags': '{"Team":"x"}' }
    expect(customOf(skip)).toEqual([])
    expect(customOf({ 'role-skip-session-tagging': 'true' })).toEqual([])
    expect(settings(skip).warnings).toEqual([
      "Input 'custom-tags' is ignored: role-skip-session-tagging is true, and then no session tag is sent at all."
    ])
  })

  /** STS's tag value pattern (botocore's model, tagValueType), max 256 characters. */
  const STS_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u
  const tagsOf = (context: Partial<RunContext>): Record<string, string> =>
    Object.fromEntries(customOf({}, { ...CONTEXT, ...context }).map(t => [t.Key, t.Value]))

  test.each([
    ['dependabot[bot]', 'dependabot_bot_'],
    ['renovate[bot]', 'renovate_bot_'],
    ['github-actions[bot]', 'github-actions_bot_']
  ])('the bot actor %j is sent as %j (Actor and TriggeringActor)', (actor, sent) => {
    const tags = tagsOf({ actor, triggeringActor: actor })
    expect(tags.Actor).toBe(sent)
    expect(tags.TriggeringActor).toBe(sent)
  })

  test.each([
    ['Build & Deploy (prod)', 'Build _ Deploy _prod_'],
    ['a, b; c! d? e\'s "f"', 'a_ b_ c_ d_ e_s _f_'],
    ['Déploiement façade Ürün', 'Déploiement façade Ürün'],
    ['ship it 🚀🚀', 'ship it __'],
    ['CI 👩‍💻', 'CI ___'],
    ['日本語 ワークフロー', '日本語 ワークフロー'],
    ['tab\there\nnew', 'tab_here_new']
  ])('the workflow %j is sent as %j', (workflow, sent) => {
    const value = tagsOf({ workflow }).Workflow
    expect(value).toBe(sent)
    expect(value).toMatch(STS_VALUE)
  })

  test.each([
    ['refs/heads/feature/#123', 'refs/heads/feature/_123'],
    ['refs/heads/fix~1^2', 'refs/heads/fix_1_2'],
    ['refs/pull/7/merge', 'refs/pull/7/merge']
  ])('the ref %j is sent as %j (Branch, BaseRef, HeadRef)', (ref, sent) => {
    const tags = tagsOf({ ref, baseRef: ref, headRef: ref })
    expect([tags.Branch, tags.BaseRef, tags.HeadRef]).toEqual([sent, sent, sent])
  })

  test('a 300-character workflow name is cut to 256 characters', () => {
    const value = tagsOf({ workflow: 'w'.repeat(300) }).Workflow
    expect(value).toBe('w'.repeat(256))
  })

  test('cutting counts code points, as STS counts characters: an astral letter is one', () => {
    // U+1D400 MATHEMATICAL BOLD CAPITAL A is a letter (\p{L}) of two UTF-16 units.
    const value = tagsOf({ workflow: 'x' + '\u{1D400}'.repeat(299) }).Workflow ?? ''
    expect(Array.from(value)).toHaveLength(256)
    expect(value).toBe('x' + '\u{1D400}'.repeat(255))
    expect(value).toMatch(STS_VALUE) // no half surrogate pair left at the end
  })

  test('emoji at the cut: each becomes one _, so no half pair remains', () => {
    const value = tagsOf({ workflow: 'a'.repeat(255) + '🚀🚀' }).Workflow
    expect(value).toBe('a'.repeat(255) + '_')
  })

  test("every value sent matches STS's tag pattern, whatever the context", () => {
    const hostile = '\u0000<>*[]{}|\\`$%^&;\'"!?#~,()🙂\u200b\u202e'
    const tags = customOf(
      {},
      Object.fromEntries(
        Object.entries(CONTEXT).map(([k, v]) => [k, typeof v === 'string' ? hostile + v : v])
      ) as unknown as RunContext
    )
    expect(tags).toHaveLength(13)
    for (const tag of tags) expect(tag.Value).toMatch(STS_VALUE)
  })

  test.each(['{', "{'Team':'x'}", '{"Team":"x",}', 'Team=x', '{{{'])(
    'refuses %j (not JSON)',
    text => {
      expectRefused(
        { 'custom-tags': text },
        'custom-tags',
        /must be a JSON object like \{"Team":"platform"\}; it is not valid JSON\.$/
      )
    }
  )

  test.each(['[]', '"x"', 'null', '1', 'true', '[{"Key":"Team","Value":"x"}]'])(
    'refuses %s (not an object)',
    text => {
      expectRefused(
        { 'custom-tags': text },
        'custom-tags',
        /must be a JSON object like \{"Team":"platform"\}\.$/
      )
    }
  )

  test.each(['null', '{"a":"b"}', '["x"]'])('refuses a %s value', value => {
    expectRefused(
      { 'custom-tags': `{"Team":${value}}` },
      'custom-tags',
      /must map each key to a string; "Team" does not\.$/
    )
  })

  test.each(['aws:x', 'AWS:x', 'Aws:Team', 'aWs:'])('refuses the reserved key %j', key => {
    expectRefused(
      { 'custom-tags': JSON.stringify({ [key]: 'v' }) },
      'custom-tags',
      new RegExp(
        `has a tag key with the reserved prefix "aws:": ${escapeRegExp(JSON.stringify(key))}\\.$`
      )
    )
  })

  test('aws without the colon is an ordinary key', () => {
    expect(customOf({ 'custom-tags': '{"aws-team":"x","awsx":"y"}' }).length).toBe(15)
  })

  test.each(['', 'a#b', 'a\nb', 'k'.repeat(129), 'a*b'])('refuses the key %j', key => {
    expectRefused(
      { 'custom-tags': JSON.stringify({ [key]: 'v' }) },
      'custom-tags',
      /has a tag key that is not 1 to 128 of letters, digits, spaces and _\.:\/=\+-@: ".*"\.$/
    )
  })

  test.each(['a#b', 'a\nb', 'v'.repeat(257), 'a*b', 'a\u0000'])('refuses the value %j', value => {
    expectRefused(
      { 'custom-tags': JSON.stringify({ Team: value }) },
      'custom-tags',
      /has a value for "Team" that is not 0 to 256 of letters, digits, spaces and _\.:\/=\+-@\.$/
    )
  })

  test('refuses keys that repeat one another in another case', () => {
    expectRefused(
      { 'custom-tags': '{"Team":"a","team":"b"}' },
      'custom-tags',
      /repeats the tag key "team" \(keys are case-insensitive and it already has "Team"\)\.$/
    )
  })

  test.each(OWN_KEYS)("refuses %j, one of the action's own tag keys", key => {
    const error = expectRefused(
      { 'custom-tags': JSON.stringify({ [key]: 'x' }) },
      'custom-tags',
      new RegExp(
        `uses the tag key ${escapeRegExp(JSON.stringify(key))}, which this action sets itself; choose another key`
      )
    )
    expect(error.message).toContain(OWN_KEYS.join(', '))
  })

  test.each(['github', 'REPOSITORY', 'actor', 'bRaNcH', 'baseref', 'job'])(
    'refuses %j, which differs only in case from a tag being sent (STS would refuse the call)',
    key => {
      expectRefused(
        { 'custom-tags': JSON.stringify({ [key]: 'x' }) },
        'custom-tags',
        new RegExp(
          `uses the tag key ${escapeRegExp(JSON.stringify(key))}, which differs only in letter case from the tag "[A-Za-z]+" this action sends`
        )
      )
    }
  )

  test('a key in another case than a tag not sent is accepted, as configure-aws-credentials accepts it', () => {
    const push = { ...CONTEXT, baseRef: undefined }
    expect(customOf({ 'custom-tags': '{"baseref":"x"}' }, push).at(-1)).toEqual({
      Key: 'baseref',
      Value: 'x'
    })
  })

  test('an own key is refused with role-skip-session-tagging and when the context lacks it', () => {
    // configure-aws-credentials v6.2.3 refuses PROTECTED_TAG_KEYS whatever is set.
    expectRefused(
      { 'role-skip-session-tagging': 'true', 'custom-tags': '{"Repository":"x"}' },
      'custom-tags',
      /uses the tag key "Repository", which this action sets itself/
    )
    expectRefused(
      { 'custom-tags': '{"BaseRef":"abc"}' },
      'custom-tags',
      /uses the tag key "BaseRef", which this action sets itself/,
      {},
      { ...CONTEXT, baseRef: undefined }
    )
  })

  const manyTags = (count: number): string =>
    JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`Tag${i}`, `${i}`])))

  test('at most 50 session tags, counting the context tags', () => {
    expect(customOf({ 'custom-tags': manyTags(37) })).toHaveLength(50)
    expectRefused(
      { 'custom-tags': manyTags(38) },
      'custom-tags',
      /would make 51 session tags; STS allows at most 50 \(the GitHub context uses 13\)\.$/
    )
    // Checked with role-skip-session-tagging too, though none is sent then.
    const skip = { 'role-skip-session-tagging': 'true' }
    expect(customOf({ ...skip, 'custom-tags': manyTags(50) })).toHaveLength(0)
    expectRefused(
      { ...skip, 'custom-tags': manyTags(51) },
      'custom-tags',
      /would make 51 session tags; STS allows at most 50 \(the GitHub context uses 0\)\.$/
    )
  })

  test.each([
    ['OIDC', NO_KEYS, OIDC_ENV],
    ['a token file', { ...NO_KEYS, 'web-identity-token-file': '/tmp/token' }, {}]
  ])(
    'ignored with web identity (%s), one warning each; no tags are planned there',
    (_, changes, env) => {
      const given = { ...changes, 'custom-tags': '{"Team":"x"}', 'transitive-tag-keys': 'Team' }
      const read = settings(given, env)
      expect(read.warnings).toEqual([
        "Input 'custom-tags' is ignored: AssumeRoleWithWebIdentity takes no session tags; they come from the token's claims.",
        "Input 'transitive-tag-keys' is ignored: AssumeRoleWithWebIdentity takes no session tags; they come from the token's claims."
      ])
      expect(read.role?.tags).toEqual([])
      expect(read.role?.transitiveTagKeys).toEqual([])
      expect(roleOf(changes, env).tags).toEqual([])
    }
  )
})

// -------------------------------------------------------------------------------------------------

describe('transitive-tag-keys', () => {
  const team = { 'custom-tags': '{"Team":"platform"}' }

  test.each([
    ['Team', ['Team']],
    ['team', ['team']],
    ['Team,Repository', ['Team', 'Repository']],
    ['Team\nBranch\n', ['Team', 'Branch']],
    [' Team , ,\n\nActor ', ['Team', 'Actor']]
  ])('accepts %j', (value, keys) => {
    expect(roleOf({ ...team, 'transitive-tag-keys': value }).transitiveTagKeys).toEqual(keys)
  })

  test('none by default', () => {
    expect(roleOf(team).transitiveTagKeys).toEqual([])
  })

  test('a key naming no tag being sent is left out with a warning, as configure-aws-credentials leaves it out', () => {
    const read = settings({ ...team, 'transitive-tag-keys': 'Team,Missing' })
    expect(read.role?.transitiveTagKeys).toEqual(['Team'])
    expect(read.warnings).toEqual([
      `Input 'transitive-tag-keys': "Missing" names no tag this session sends, so it is left out (as configure-aws-credentials leaves them out).`
    ])
    const skipped = settings({
      'role-skip-session-tagging': 'true',
      'transitive-tag-keys': 'Repository'
    })
    expect(skipped.role?.transitiveTagKeys).toEqual([])
    expect(skipped.warnings).toEqual([
      "Input 'transitive-tag-keys' is ignored: role-skip-session-tagging is true, and then no session tag is sent at all."
    ])
  })

  test('a key that is no tag key at all is still an error', () => {
    expectRefused(
      { ...team, 'transitive-tag-keys': 'a<b' },
      'transitive-tag-keys',
      /is not a tag key: "a<b"/
    )
  })
})
