/**
 * The runner harness follows GitHub's runner (actions/runner), rule by rule: each test names the
 * rule and the runner source it comes from, as listed in test-support/README.md. Steps here are
 * small real node scripts run by runStep, so the harness is tested as the e2e suites use it; the
 * last test runs the bundle and the AWS CLI with an empty GITHUB_ENV value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SEED, startEmulator } from '../../test-support/emulator/index.js'
import { readEnvFile, readFileCommand, uploadedSummary } from '../../test-support/file-commands.js'
import {
  awsCli,
  evaluatePostIf,
  jobEnvAfter,
  MAIN_ENTRY,
  newJobDir,
  renderLog,
  runnerInputs,
  runPost,
  runStep,
  SecretMasker
} from '../../test-support/runner.js'

const scripts = mkdtempSync(join(tmpdir(), 'harness-steps-'))
afterAll(() => rmSync(scripts, { recursive: true, force: true }))

/** A step whose body is `code` (ESM, node:fs and node:process imported as fs and process). */
function stepScript(name: string, code: string): string {
  const file = join(scripts, `${name}.mjs`)
  writeFileSync(file, `import fs from 'node:fs'\nimport process from 'node:process'\n${code}\n`)
  return file
}

describe('workflow commands (ActionCommandManager.cs, ActionCommand.cs)', () => {
  test('a command after leading whitespace is still a command (TryParseV2: TrimStart)', () => {
    const { log, masks } = renderLog(
      ['   ::add-mask::s3cr3t-value', '\t::warning::careful', 'x s3cr3t-value'],
      false
    )
    expect(masks).toEqual(['s3cr3t-value'])
    expect(log).toEqual(['Warning: careful', 'x ***'])
  })

  test('names are case-insensitive; unknown names are plain text', () => {
    const { log } = renderLog(
      ['::WARNING::loud', '::no-such-command::kept as is', ':: warning::x'],
      false
    )
    expect(log).toEqual(['Warning: loud', '::no-such-command::kept as is', ':: warning::x'])
  })

  test('the legacy ##[command] form is recognised anywhere in a line (TryParse)', () => {
    const { log, masks } = renderLog(
      ['prefix ##[add-mask]legacy-secret', 'then legacy-secret'],
      false
    )
    expect(masks).toEqual(['legacy-secret'])
    expect(log).toEqual(['then ***'])
  })

  test('::stop-commands::TOKEN suspends every command until ::TOKEN::', () => {
    const { log, masks } = renderLog(
      [
        '::stop-commands::pause-token-1234',
        '::add-mask::not-a-secret',
        '::error::not an annotation',
        '::pause-token-1234::',
        '::add-mask::real-secret',
        'not-a-secret real-secret'
      ],
      false
    )
    expect(masks).toEqual(['real-secret'])
    // A token longer than six characters is masked (HostContext.SecretMasker.AddValue).
    expect(log).toEqual([
      '::stop-commands::***',
      '::add-mask::not-a-secret',
      '::error::not an annotation',
      '::***::',
      'not-a-secret ***'
    ])
  })

  test('a stop token that is empty, pause-logging or a command fails the step (ValidateStopToken)', () => {
    for (const token of ['', 'pause-logging', 'add-mask']) {
      expect(renderLog([`::stop-commands::${token}`], false).failures).toHaveLength(1)
    }
  })

  test('debug lines show only with RUNNER_DEBUG', () => {
    expect(renderLog(['::debug::detail'], false).log).toEqual([])
    expect(renderLog(['::debug::detail'], true).log).toEqual(['##[debug]detail'])
  })
})

describe('add-mask and the secret masker (AddMaskCommandExtension, SecretMasker.cs, ValueEncoders.cs)', () => {
  test('each line of a multi-line value is masked on its own, trimmed', () => {
    const { log } = renderLog(
      ['::add-mask::first-line%0A  second-line  %0D%0Athird', 'a second-line b', 'third'],
      false
    )
    expect(log).toEqual(['a *** b', '***'])
  })

  test('an empty or blank mask is a warning, not a mask', () => {
    const { log, warnings, masks } = renderLog(['::add-mask::', '::add-mask::   '], false)
    expect(masks).toEqual([])
    expect(warnings).toEqual([
      "Can't add secret mask for empty string in ##[add-mask] command.",
      "Can't add secret mask for empty string in ##[add-mask] command."
    ])
    expect(log).toHaveLength(2)
  })

  const secret = 'wJalr/K7+MD"EN\'G&<x>'
  test.each([
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64 shifted one byte', Buffer.from(secret).subarray(1).toString('base64')],
    ['base64 shifted two bytes', Buffer.from(secret).subarray(2).toString('base64')],
    ['command-line escaped', secret.replace(/"/g, '\\"')],
    ['expression escaped', secret.replace(/'/g, "''")],
    ['JSON escaped', JSON.stringify(secret).slice(1, -1)],
    ['URI escaped', 'wJalr%2FK7%2BMD%22EN%27G%26%3Cx%3E'],
    ['XML escaped', 'wJalr/K7+MD&quot;EN&apos;G&amp;&lt;x&gt;']
  ])('the %s form is masked too', (_, encoded) => {
    const masker = new SecretMasker()
    masker.add(secret)
    expect(masker.mask(`before ${encoded} after`)).toBe('before *** after')
  })

  test('overlapping finds merge into one ***', () => {
    const masker = new SecretMasker()
    masker.add('abcdef')
    masker.add('defghi')
    expect(masker.mask('xxabcdefghixx')).toBe('xx***xx')
  })
})

describe('file commands (FileCommandManager.cs)', () => {
  test('NAME=value and heredoc values; an empty value is a variable set to the empty string', () => {
    expect(readFileCommand('A=1\nEMPTY=\nB<<EOF\nline 1\nline 2\nEOF\nC<<X\nX\n')).toEqual({
      values: { A: '1', EMPTY: '', B: 'line 1\nline 2', C: '' }
    })
  })

  test.each([
    ['no = or <<', 'A=1\njust text\n', "Invalid format 'just text'", { A: '1' }],
    [
      'empty heredoc name',
      'B=2\n<<EOF\nx\nEOF\n',
      "Invalid format '<<EOF'. Name must not be empty and delimiter must not be empty",
      { B: '2' }
    ],
    [
      'missing delimiter',
      'A<<EOF\nvalue\n',
      "Invalid value. Matching delimiter not found 'EOF'",
      {}
    ],
    ['missing final newline', 'A<<EOF\nvalue', 'Invalid value. EOF marker missing new line.', {}]
  ])('%s is an error, after the pairs before it took effect', (_, text, error, before) => {
    expect(readFileCommand(text)).toEqual({ values: before, error })
  })

  test('the delimiter line may end the file without a newline', () => {
    expect(readFileCommand('A<<EOF\nv\nEOF')).toEqual({ values: { A: 'v' } })
  })

  test('NODE_OPTIONS cannot be set through GITHUB_ENV, in any case', () => {
    expect(readEnvFile('node_options=--require x\nOK=1\n')).toEqual({
      env: { OK: '1' },
      issues: ["Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command."],
      error: undefined
    })
  })

  test('a malformed GITHUB_ENV fails the step; what came before it is exported', async () => {
    const step = stepScript(
      'bad-env',
      "fs.appendFileSync(process.env.GITHUB_ENV, 'GOOD=1\\nA<<EOF\\nvalue')"
    )
    const result = await runStep(step)
    expect(result.code).toBe(0)
    expect(result.conclusion).toBe('failure')
    expect(result.env).toEqual({ GOOD: '1' })
    expect(result.log).toEqual([
      "Error: Unable to process file command 'env' successfully.",
      'Error: Invalid value. EOF marker missing new line.'
    ])
  })

  test('a malformed GITHUB_OUTPUT fails the step too', async () => {
    const step = stepScript(
      'bad-output',
      "fs.appendFileSync(process.env.GITHUB_OUTPUT, 'x<<EOF\\nvalue\\n')"
    )
    const result = await runStep(step)
    expect(result.conclusion).toBe('failure')
    expect(result.log).toContain("Error: Unable to process file command 'output' successfully.")
  })

  test('the step summary is masked line by line, and refused over 1 MiB', () => {
    const masker = new SecretMasker()
    masker.add('topsecret')
    expect(uploadedSummary('a topsecret\r\nb\n', masker)).toEqual({ summary: 'a ***\nb\n' })
    expect(uploadedSummary('x'.repeat(1024 * 1024 + 1), masker).error).toMatch(
      /^\$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got 1024k\.$/
    )
  })
})

describe('inputs, post steps and the working directory (ActionRunner.cs, NodeScriptActionHandler.cs)', () => {
  test('input names match action.yml case-insensitively; defaults fill the rest', () => {
    const { inputs, warning } = runnerInputs({ 'AWS-Region': 'eu-west-1' })
    expect(warning).toBeUndefined()
    expect(inputs['AWS-Region']).toBe('eu-west-1')
    expect(inputs['aws-region']).toBeUndefined()
    expect(inputs['force-skip-oidc']).toBe('false')
  })

  test("an input action.yml does not declare draws the runner's warning", () => {
    expect(runnerInputs({ 'aws-regoin': 'x' }).warning).toMatch(
      /^Unexpected input\(s\) 'aws-regoin', valid inputs are \['aws-region', /
    )
  })

  test('INPUT_ variables are upper-cased with spaces as _, and the step runs in GITHUB_WORKSPACE', async () => {
    const step = stepScript(
      'inputs',
      "console.log(JSON.stringify({ region: process.env['INPUT_AWS-REGION'], cwd: process.cwd(), ws: process.env.GITHUB_WORKSPACE }))"
    )
    const result = await runStep(step, { inputs: { 'AWS-Region': 'eu-west-1' } })
    const seen = JSON.parse(result.stdout) as { region: string; cwd: string; ws: string }
    expect(seen.region).toBe('eu-west-1')
    expect(seen.cwd).toBe(seen.ws)
  })

  test("post-if is evaluated with GitHub's expression rules (always(), env, case-insensitive ==)", () => {
    const condition = "always() && env.AWS_SKIP_CLEANUP_STEP != 'true'"
    expect(evaluatePostIf(condition, 'failure', {})).toBe(true)
    expect(evaluatePostIf(condition, 'success', { AWS_SKIP_CLEANUP_STEP: 'TRUE' })).toBe(false)
    expect(evaluatePostIf('success()', 'failure', {})).toBe(false)
    expect(evaluatePostIf('failure()', 'failure', {})).toBe(true)
  })

  test("the post step gets the main step's inputs again and its state; post-if false skips it", async () => {
    const main = stepScript('main-state', "fs.appendFileSync(process.env.GITHUB_STATE, 'k=v\\n')")
    const post = stepScript(
      'post-reads',
      "console.log(JSON.stringify({ name: process.env['INPUT_ROLE-SESSION-NAME'], state: process.env.STATE_k }))"
    )
    const first = await runStep(main, { inputs: { 'role-session-name': 'from-main' } })
    expect(first.state).toEqual({ k: 'v' })
    const ran = await runPost(first, {}, post)
    expect(JSON.parse(ran.stdout)).toEqual({ name: 'from-main', state: 'v' })
    const skipped = await runPost(first, { env: { AWS_SKIP_CLEANUP_STEP: 'true' } }, post)
    expect(skipped.conclusion).toBe('skipped')
    expect(skipped.stdout).toBe('')
  })

  test('masks registered in the main step stay in force in the post step (one masker per job)', async () => {
    const main = stepScript('main-mask', "console.log('::add-mask::job-wide-secret')")
    const post = stepScript('post-prints', "console.log('post sees job-wide-secret')")
    const ran = await runPost(await runStep(main), {}, post)
    expect(ran.log).toEqual(['post sees ***'])
  })
})

describe('an empty GITHUB_ENV value reaches later steps as a variable set to ""', () => {
  test('a later step sees the variable defined and empty', async () => {
    const writer = stepScript(
      'empty-writer',
      "fs.appendFileSync(process.env.GITHUB_ENV, 'AWS_SESSION_TOKEN=\\n')"
    )
    const reader = stepScript(
      'empty-reader',
      "console.log(JSON.stringify({ has: 'AWS_SESSION_TOKEN' in process.env, value: process.env.AWS_SESSION_TOKEN }))"
    )
    const first = await runStep(writer, { env: { AWS_SESSION_TOKEN: 'stale' } })
    const env = jobEnvAfter({ AWS_SESSION_TOKEN: 'stale' }, first)
    expect(env).toEqual({ AWS_SESSION_TOKEN: '' })
    const second = await runStep(reader, { env })
    expect(JSON.parse(second.stdout)).toEqual({ has: true, value: '' })
  })

  test('keys without a role blank a stale session token; the AWS CLI then works with AWS_SESSION_TOKEN=""', async () => {
    const emu = await startEmulator()
    const jobDir = newJobDir()
    try {
      const jobEnv = { AWS_SESSION_TOKEN: 'stale-token-from-an-earlier-step' }
      const result = await runStep(MAIN_ENTRY, {
        jobDir,
        env: jobEnv,
        inputs: {
          'aws-region': 'us-east-1',
          'sts-endpoint': emu.url,
          'aws-access-key-id': SEED.user.accessKeyId,
          'aws-secret-access-key': SEED.user.secretAccessKey
        }
      })
      expect(result.conclusion).toBe('success')
      expect(result.env.AWS_SESSION_TOKEN).toBe('')
      const later = jobEnvAfter(jobEnv, result)
      expect(later.AWS_SESSION_TOKEN).toBe('')
      const cli = await awsCli(['sts', 'get-caller-identity', '--output', 'json'], later, emu.url, {
        jobDir
      })
      expect(cli.stderr).toBe('')
      expect((JSON.parse(cli.stdout) as { Arn: string }).Arn).toBe(SEED.user.arn)
    } finally {
      rmSync(jobDir, { recursive: true, force: true })
      await emu.close()
    }
  })
})
