/**
 * The real consumers of what the action writes, run as a later workflow step would run them: the
 * AWS CLI v2 and boto3 (Debian), the JS SDK v3 (`fromIni`, `fromNodeProviderChain`) and the Go SDK
 * v2 (Debian, a small program built once per test run in GOPATH mode). Each gets only the job's
 * environment after the action plus how to reach the emulator, and prints the caller's ARN.
 *
 * Endpoints: consumers that predate AWS_ENDPOINT_URL_STS need it in config or code. botocore 1.29
 * (Debian's CLI 2.9 and boto3 1.26) reads endpoint rules from AWS_DATA_PATH
 * (`botocore/loaders.py`, `sts/2011-06-15/endpoint-rule-set-1.json`): a rule set that always
 * answers the emulator's URL points every STS client, the assume-role provider's too, at it. The
 * Go SDK v2 1.17 gets an endpoint resolver in code (go-consumer.go). The JS SDK v3 reads
 * AWS_ENDPOINT_URL_STS.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { AWS_CLI, ROOT, spawnCollect, type CliResult } from './runner.js'

const HERE = join(ROOT, 'test-support', 'consumers')
/** Debian's python3 (python3-boto3); another python3 may come first on PATH. */
export const PYTHON = process.env.CONSUMER_PYTHON ?? '/usr/bin/python3'
const GOCODE = '/usr/share/gocode'
const BOTOCORE_STS_RULES = [
  '/usr/lib/python3/dist-packages/awscli/botocore/data/sts/2011-06-15/endpoint-rule-set-1.json',
  '/usr/lib/python3/dist-packages/botocore/data/sts/2011-06-15/endpoint-rule-set-1.json'
]

export type ConsumerName =
  'AWS CLI v2' | 'boto3' | 'JS SDK v3 fromIni' | 'JS SDK v3 default chain' | 'Go SDK v2'

export interface ConsumerResult extends CliResult {
  arn?: string
}

export interface Consumers {
  names: ConsumerName[]
  /** Runs one consumer with the job's environment (`env`, HOME included) against the emulator. */
  run: (name: ConsumerName, env: Record<string, string>) => Promise<ConsumerResult>
  /** The credential_process value the Go SDK v2's INI reader finds for `profile` in `configFile`. */
  goCredentialProcess: (configFile: string, profile: string) => Promise<string>
  /** Deletes the Go program and the botocore data folder. */
  close: () => void
}

/** A tool the suite needs is missing: never skip, say how to install it. */
function missing(what: string, install: string): Error {
  return new Error(
    `${what} is missing: ${install}, or run script/test, which installs what the suite needs.`
  )
}

/**
 * Checks every tool, builds the Go program once into a temporary folder and writes the botocore
 * endpoint rules for `endpoint`. Throws with an install command when a tool is missing.
 */
export async function prepareConsumers(endpoint: string): Promise<Consumers> {
  if (!existsSync(AWS_CLI)) {
    throw missing(`The AWS CLI v2 (${AWS_CLI})`, 'sudo apt-get install awscli')
  }
  const run = promisify(execFile)
  try {
    await run(PYTHON, ['-c', 'import boto3'])
  } catch {
    throw missing(`boto3 for ${PYTHON}`, 'sudo apt-get install python3-boto3')
  }
  if (!existsSync(join(GOCODE, 'src', 'github.com', 'aws', 'aws-sdk-go-v2', 'config'))) {
    throw missing(
      `The Go SDK v2 sources (${GOCODE})`,
      'sudo apt-get install golang-go golang-github-aws-aws-sdk-go-v2-dev'
    )
  }
  const work = mkdtempSync(join(tmpdir(), 'consumers-'))
  const binary = await buildGoConsumer(work)
  const dataPath = writeBotocoreEndpoint(work, endpoint)

  const collect = (command: string, args: string[], env: Record<string, string>) =>
    spawnCollect(command, args, env, 60_000)
  const base = (env: Record<string, string>): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...env
  })
  // The JS SDK warns on stderr when it runs on a Node it will stop supporting (jest's Node 20 here).
  const js = (env: Record<string, string>): Record<string, string> => ({
    ...base(env),
    AWS_ENDPOINT_URL_STS: endpoint,
    NODE_NO_WARNINGS: '1'
  })
  const commands: Record<ConsumerName, (env: Record<string, string>) => Promise<CliResult>> = {
    'AWS CLI v2': env =>
      collect(AWS_CLI, ['sts', 'get-caller-identity'], { ...base(env), AWS_DATA_PATH: dataPath }),
    boto3: env =>
      collect(PYTHON, [join(HERE, 'boto3-consumer.py')], { ...base(env), AWS_DATA_PATH: dataPath }),
    'JS SDK v3 fromIni': env =>
      collect(process.execPath, [join(HERE, 'js-sdk-consumer.mjs'), 'fromIni'], js(env)),
    'JS SDK v3 default chain': env =>
      collect(process.execPath, [join(HERE, 'js-sdk-consumer.mjs'), 'chain'], js(env)),
    'Go SDK v2': env => collect(binary, [], { ...base(env), CONSUMER_STS_ENDPOINT: endpoint })
  }
  return {
    names: Object.keys(commands) as ConsumerName[],
    close: () => rmSync(work, { recursive: true, force: true }),
    goCredentialProcess: async (configFile, profile) => {
      const args = ['--credential-process-of', configFile, profile]
      const result = await collect(binary, args, base({}))
      if (result.code !== 0) throw new Error(`Go INI reader: ${result.stderr}`)
      return JSON.parse(result.stdout) as string
    },
    run: async (name, env) => {
      const result = await commands[name](env)
      let arn: string | undefined
      try {
        arn = (JSON.parse(result.stdout) as { Arn?: string }).Arn
      } catch {
        arn = undefined
      }
      return { ...result, arn }
    }
  }
}

/**
 * `go build` in GOPATH mode (GO111MODULE=off) with Debian's SDK sources on GOPATH; no cgo, so no C
 * compiler is needed. The build cache lives in the OS temporary folder, so a second run is quick.
 */
async function buildGoConsumer(work: string): Promise<string> {
  const gopath = join(work, 'gopath')
  const source = join(gopath, 'src', 'consumer')
  mkdirSync(source, { recursive: true })
  writeFileSync(join(source, 'main.go'), readFileSync(join(HERE, 'go-consumer.go')))
  const binary = join(work, process.platform === 'win32' ? 'consumer.exe' : 'consumer')
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? work,
    GOPATH: `${gopath}:${GOCODE}`,
    GO111MODULE: 'off',
    CGO_ENABLED: '0',
    GOFLAGS: '',
    GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'assume-aws-role-go-cache')
  }
  const go = existsSync('/usr/bin/go') ? '/usr/bin/go' : 'go'
  const result = await spawnCollect(go, ['build', '-o', binary, 'consumer'], env, 300_000).catch(
    (error: Error) => {
      throw missing(`Go (${error.message})`, 'sudo apt-get install golang-go')
    }
  )
  if (result.code !== 0) throw new Error(`go build failed:\n${result.stderr}`)
  return binary
}

/** An AWS_DATA_PATH whose STS endpoint rule set answers `endpoint` for every region. */
function writeBotocoreEndpoint(work: string, endpoint: string): string {
  const source = BOTOCORE_STS_RULES.find(path => existsSync(path))
  if (!source) throw missing("botocore's STS endpoint rules", 'sudo apt-get install awscli')
  const rules = JSON.parse(readFileSync(source, 'utf8')) as { version: string; parameters: unknown }
  const dataPath = join(work, 'botocore-data')
  const file = join(dataPath, 'sts', '2011-06-15', 'endpoint-rule-set-1.json')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(
    file,
    JSON.stringify({
      version: rules.version,
      // The same parameters botocore passes; one rule: always the emulator.
      parameters: rules.parameters,
      rules: [
        {
          conditions: [],
          endpoint: { url: endpoint, properties: {}, headers: {} },
          type: 'endpoint'
        }
      ]
    })
  )
  return dataPath
}
