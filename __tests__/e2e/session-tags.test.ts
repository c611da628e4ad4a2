/**
 * Session tags from real GitHub contexts, through the committed bundle, against the emulator that
 * checks every request against botocore's STS model: bot actors, workflow names with punctuation,
 * emoji and accents, refs with `#`, a 300-character workflow name, empty values, pull requests.
 * Each must be accepted (a tag STS's pattern refuses would be a ValidationError here) and carry the
 * values configure-aws-credentials v6.2.3 would send.
 */
import { SEED, startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import { MAIN_ENTRY, runStep } from '../../test-support/runner.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  // Fails when any request broke the model and no test took the violation.
  await emu.close()
})
beforeEach(() => emu.resetStats())

const STS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u

async function tagsFor(
  context: Record<string, string>,
  inputs: Record<string, string> = {}
): Promise<Record<string, string>> {
  const result = await runStep(MAIN_ENTRY, {
    env: context,
    inputs: {
      'aws-region': 'us-east-1',
      'sts-endpoint': emu.url,
      'role-to-assume': SEED.roles.deploy,
      'aws-access-key-id': SEED.user.accessKeyId,
      'aws-secret-access-key': SEED.user.secretAccessKey,
      ...inputs
    }
  })
  expect(result.lines.filter(l => l.startsWith('::error'))).toEqual([])
  expect(result.code).toBe(0)
  const sent = emu.lastRequest('AssumeRole')?.tags ?? []
  for (const tag of sent) expect(tag.Value).toMatch(STS_TAG_VALUE)
  return Object.fromEntries(sent.map(t => [t.Key, t.Value]))
}

describe('real contexts are accepted by the STS model and tagged as configure-aws-credentials tags them', () => {
  test.each([
    ['dependabot[bot]', 'dependabot_bot_'],
    ['renovate[bot]', 'renovate_bot_'],
    ['github-actions[bot]', 'github-actions_bot_']
  ])(
    'actor %s',
    async (actor, sent) => {
      const tags = await tagsFor({ GITHUB_ACTOR: actor, GITHUB_TRIGGERING_ACTOR: actor })
      expect(tags.Actor).toBe(sent)
      expect(tags.TriggeringActor).toBe(sent)
    },
    30_000
  )

  test('workflow names with & ( ) , ; ! ? \' " and a ref with #', async () => {
    const tags = await tagsFor({
      GITHUB_WORKFLOW: `Build & Deploy (prod), v2; ship! ok? it's "done"`,
      GITHUB_REF: 'refs/heads/feature/#123'
    })
    expect(tags.Workflow).toBe('Build _ Deploy _prod__ v2_ ship_ ok_ it_s _done_')
    expect(tags.Branch).toBe('refs/heads/feature/_123')
  }, 30_000)

  test('emoji become _, accented and non-Latin letters stay', async () => {
    const tags = await tagsFor({ GITHUB_WORKFLOW: 'Déploiement 🚀 façade — 日本' })
    expect(tags.Workflow).toBe('Déploiement _ façade _ 日本')
  }, 30_000)

  test('a 300-character workflow name is cut to 256 characters', async () => {
    const tags = await tagsFor({ GITHUB_WORKFLOW: 'é'.repeat(300) })
    expect(tags.Workflow).toBe('é'.repeat(256))
  }, 30_000)

  test('a pull request: all thirteen tags; empty values are not sent', async () => {
    const tags = await tagsFor({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_BASE_REF: 'main',
      GITHUB_HEAD_REF: 'dependabot/npm_and_yarn/jose-6.1.0',
      GITHUB_JOB: 'deploy',
      GITHUB_TRIGGERING_ACTOR: 'octocat'
    })
    expect(Object.keys(tags)).toEqual([
      'GitHub',
      'Repository',
      'Workflow',
      'Action',
      'Actor',
      'Commit',
      'Branch',
      'EventName',
      'BaseRef',
      'HeadRef',
      'RunId',
      'Job',
      'TriggeringActor'
    ])
    const push = await tagsFor({ GITHUB_BASE_REF: '', GITHUB_HEAD_REF: '', GITHUB_WORKFLOW: '' })
    expect(Object.keys(push)).not.toContain('BaseRef')
    expect(Object.keys(push)).not.toContain('HeadRef')
    expect(Object.keys(push)).not.toContain('Workflow')
  }, 30_000)
})

test('a custom tag whose key differs only in case from one the action sends is refused before any call', async () => {
  const result = await runStep(MAIN_ENTRY, {
    inputs: {
      'aws-region': 'us-east-1',
      'sts-endpoint': emu.url,
      'role-to-assume': SEED.roles.deploy,
      'aws-access-key-id': SEED.user.accessKeyId,
      'aws-secret-access-key': SEED.user.secretAccessKey,
      'custom-tags': '{"actor":"mine"}'
    }
  })
  expect(result.code).toBe(1)
  expect(emu.stats().AssumeRole).toBe(0)
  expect(result.lines.find(l => l.startsWith('::error'))).toMatch(
    /custom-tags' uses the tag key "actor", which differs only in letter case from the tag "Actor" this action sends/
  )
  expect(result.env).toEqual({})
}, 30_000)
