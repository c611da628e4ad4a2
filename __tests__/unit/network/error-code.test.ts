/**
 * The code of a bare <Error> (no <ErrorResponse> wrapper, as Ceph RGW sends it) survives to the
 * retry classification: the real SDK client against the loopback emulator's bare-error fault.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { errorCode, keepErrorBodies } from '../../../src/network/error-code.js'
import { classifyError, describeCause } from '../../../src/network/retry.js'
import { SEED, startEmulator, type Emulator } from '../../../test-support/emulator/index.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

/** One attempt, so the error is the first answer's. */
async function failure(keep: boolean, bare: { code: string; status: number }): Promise<unknown> {
  const client = new STSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: SEED.user,
    maxAttempts: 1
  })
  if (keep) keepErrorBodies(client)
  emu.setFaults({ bareErrors: { ...bare, message: 'Rate exceeded', count: 1 } })
  try {
    await client.send(new GetCallerIdentityCommand({}))
    throw new Error('expected a failure')
  } catch (error) {
    return error
  } finally {
    emu.clearFaults()
    client.destroy()
  }
}

describe('a bare <Error> keeps its code', () => {
  test.each([
    ['Throttling', 400, 'THROTTLING'],
    ['ThrottlingException', 400, 'THROTTLING'],
    ['RequestLimitExceeded', 400, 'THROTTLING'],
    ['ServiceUnavailable', 400, 'TRANSIENT'],
    ['InternalFailure', 400, 'TRANSIENT'],
    ['AccessDenied', 503, 'CLIENT_ERROR']
  ])('%s (HTTP %d) is classified %s, like the wrapped form', async (code, status, verdict) => {
    const error = await failure(true, { code, status })
    expect((error as Error).name).toBe('Unknown') // what the SDK itself reports
    expect(errorCode(error)).toBe(code)
    expect(classifyError(error)).toBe(verdict)
    expect(describeCause(error)).toBe(`${code} (bare <Error>) (HTTP ${status})`)
  })

  test('without keepErrorBodies the SDK has already read the body: the code is lost', async () => {
    const error = await failure(false, { code: 'Throttling', status: 400 })
    expect((error as Error).name).toBe('Unknown')
    expect(errorCode(error)).toBeUndefined()
    expect(classifyError(error)).toBe('CLIENT_ERROR')
  })

  test('an empty code still falls back to the status', async () => {
    const error = await failure(true, { code: '', status: 400 })
    expect(errorCode(error)).toBeUndefined()
    expect(classifyError(error)).toBe('CLIENT_ERROR')
  })

  test('a wrapped error is named by the SDK as before', async () => {
    const client = new STSClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: SEED.user,
      maxAttempts: 1
    })
    keepErrorBodies(client)
    emu.setFaults({ throttle: { rate: 1, max: 1 } })
    const error = await client.send(new GetCallerIdentityCommand({})).catch((e: unknown) => e)
    emu.clearFaults()
    client.destroy()
    expect((error as Error).name).toBe('Throttling')
    expect(errorCode(error)).toBe('Throttling')
  })
})

test('a code that is not a plain identifier is ignored (hostile body)', () => {
  const body = new TextEncoder().encode('<Error><Code>Throttling; rm -rf /</Code></Error>')
  expect(errorCode({ name: 'Unknown', $response: { statusCode: 400, body } })).toBeUndefined()
})
