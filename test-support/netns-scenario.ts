/**
 * One step of the bundle run inside the namespace test-support/netns.ts makes, with everything it
 * talks to: the emulator, a plaintext logger in front of it, a TLS front with a certificate for
 * the off-machine names, and optionally a logging (CONNECT) proxy. Reads the scenario as JSON from
 * argv, prints the outcome as one JSON line. `{name}` in inputs, env and files is replaced by the
 * value of that name (ports, the proxy's address, the ID-token request URL and token).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { startEmulator } from './emulator/index.js'
import { startForwardProxy } from './forward-proxy.js'
import { startPlaintextLogger } from './plaintext-logger.js'
import { MAIN_ENTRY, newJobDir, runStep } from './runner.js'
import { makeThrowawayCa, startTlsFront } from './tls-front.js'
import type { Scenario, ScenarioOutcome } from './netns.js'
import { OFF_MACHINE_NAMES } from './netns.js'

const scenario = JSON.parse(process.argv[2] ?? '{}') as Scenario
const emu = await startEmulator()
const logger = await startPlaintextLogger(emu.port)
const ca = makeThrowawayCa(OFF_MACHINE_NAMES)
const front = await startTlsFront(ca, emu.port)
const proxy = scenario.proxy
  ? await startForwardProxy({
      auth: scenario.proxy.auth,
      tls: scenario.proxy.tls ? ca : undefined
    })
  : undefined
const values: Record<string, string> = {
  emuPort: String(emu.port),
  loggerPort: String(logger.port),
  tlsPort: String(front.port),
  proxyPort: proxy ? new URL(proxy.url).port : '',
  oidcUrl: emu.oidcRequestUrl,
  oidcToken: emu.oidcRequestToken
}
const fill = (text: string): string =>
  text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)
const fillAll = (record: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fill(value)]))

const jobDir = newJobDir()
try {
  for (const [path, text] of Object.entries(scenario.files ?? {})) {
    const full = join(jobDir, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, fill(text))
  }
  const step = await runStep(MAIN_ENTRY, {
    inputs: fillAll(scenario.inputs),
    env: { NODE_EXTRA_CA_CERTS: ca.caFile, ...fillAll(scenario.env) },
    jobDir
  })
  const outcome: ScenarioOutcome = {
    code: step.code,
    log: step.log,
    lines: step.lines,
    masks: step.masks,
    env: step.env,
    summary: step.summary,
    stats: emu.stats(),
    proxyLog: proxy?.log ?? [],
    loggerLog: logger.log,
    tlsHandshakes: front.handshakes(),
    secrets: emu.secretsSeen()
  }
  process.stdout.write(`${JSON.stringify(outcome)}\n`)
} finally {
  rmSync(jobDir, { recursive: true, force: true })
  ca.remove()
  await Promise.all([emu.close(), logger.close(), front.close(), proxy?.close()])
}
