/** Which failures are retried, and the retry loop shared by the ID token fetch. */
import { describe, expect, test } from '@jest/globals'
import {
  TransientOnlyRetry,
  classifyError,
  classifyForFreshToken,
  describeCause,
  needsFreshToken
} from '../../../src/network/retry.js'

const sdkError = (name: string, status?: number): object => ({
  name,
  message: 'x',
  $metadata: status === undefined ? {} : { httpStatusCode: status }
})

describe('classifyError', () => {
  test.each([
    ['AccessDenied', 403],
    ['ValidationError', 400],
    ['InvalidParameterValue', 400],
    ['MalformedPolicyDocument', 400],
    ['ExpiredToken', 400],
    ['InvalidClientTokenId', 403],
    ['RegionDisabledException', 403],
    ['SignatureDoesNotMatch', 403],
    ['InvalidIdentityToken', 400]
  ])('%s is permanent', (name, status) => {
    expect(classifyError(sdkError(name, status))).toBe('CLIENT_ERROR')
  })

  test.each([
    [sdkError('Throttling', 400), 'THROTTLING'],
    [sdkError('RequestLimitExceeded', 400), 'THROTTLING'],
    [sdkError('Unknown', 429), 'THROTTLING'],
    [sdkError('InternalFailure', 500), 'TRANSIENT'],
    [sdkError('Unknown', 503), 'TRANSIENT'],
    [sdkError('SyntaxError', 200), 'TRANSIENT'],
    [{ name: 'TimeoutError', message: 'x' }, 'TRANSIENT'],
    [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }), 'TRANSIENT'],
    [Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), 'TRANSIENT']
  ])('%o is %s', (error, verdict) => {
    expect(classifyError(error)).toBe(verdict)
  })

  const keyMessage =
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
  test.each([
    ['IDPCommunicationError', 'x'],
    ['IDPCommunicationErrorException', 'x'],
    ['InvalidIdentityToken', keyMessage],
    ['InvalidIdentityTokenException', keyMessage]
  ])('%s (%s) waits for a fresh token: the SDK never resends the same one', (name, message) => {
    const error = { name, message, $metadata: { httpStatusCode: 400 } }
    expect(needsFreshToken(error)).toBe(true)
    expect(classifyError(error)).toBe('CLIENT_ERROR')
    expect(classifyForFreshToken(error)).toBe('TRANSIENT')
  })

  test.each([
    ['InvalidIdentityTokenException', 'Incorrect token audience'],
    ['InvalidIdentityTokenException', 'No OpenIDConnect provider found in your account for x'],
    ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
    ['ExpiredTokenException', 'Token expired']
  ])('%s (%s) gets no fresh-token retry', (name, message) => {
    const error = { name, message, $metadata: { httpStatusCode: 400 } }
    expect(needsFreshToken(error)).toBe(false)
    expect(classifyForFreshToken(error)).toBe('CLIENT_ERROR')
  })

  test('an unknown or empty code is judged by its status: 4xx permanent, 5xx transient', () => {
    expect(classifyError(sdkError('', 400))).toBe('CLIENT_ERROR')
    expect(classifyError(sdkError('Unknown', 404))).toBe('CLIENT_ERROR')
    expect(classifyError(sdkError('', 502))).toBe('TRANSIENT')
  })

  test('a host that does not exist is not retried', () => {
    expect(
      classifyError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }))
    ).toBe('CLIENT_ERROR')
  })

  test('the cause names the code and status, never the message', () => {
    expect(
      describeCause({
        name: 'Throttling',
        message: 'secret stuff',
        $metadata: { httpStatusCode: 400 }
      })
    ).toBe('Throttling (HTTP 400)')
  })
})

describe('TransientOnlyRetry.attempt', () => {
  test('retries transient failures, logs each retry, returns the first success', async () => {
    const lines: string[] = []
    const retry = new TransientOnlyRetry(5, 'Token', line => lines.push(line))
    let calls = 0
    const result = await retry.attempt(async () => {
      calls++
      if (calls < 3) throw sdkError('Unknown', 503)
      return 'ok'
    })
    expect(result).toBe('ok')
    expect(calls).toBe(3)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(
      /^Token attempt 1\/5 failed: Unknown \(HTTP 503\); waited \d+ ms before attempt 2$/
    )
  })

  test('does not retry a permanent failure', async () => {
    const retry = new TransientOnlyRetry(5, 'Token', () => undefined)
    let calls = 0
    await expect(
      retry.attempt(async () => {
        calls++
        throw sdkError('AccessDenied', 403)
      })
    ).rejects.toMatchObject({ name: 'AccessDenied' })
    expect(calls).toBe(1)
  })

  test('stops after maxAttempts and rethrows the last error', async () => {
    const retry = new TransientOnlyRetry(3, 'Token', () => undefined)
    let calls = 0
    await expect(
      retry.attempt(async () => {
        calls++
        throw sdkError('Unknown', 500)
      })
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } })
    expect(calls).toBe(3)
  })
})
