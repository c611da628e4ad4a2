/**
 * Unit tests of src/diagnose/: ARNs a diagnosis suggests are in the role's own partition, SDK error
 * classes are matched by instanceof, and only errors STS sent are read as STS's codes.
 */
import { describe, expect, test } from '@jest/globals'
import { InvalidIdentityTokenException, STSServiceException } from '@aws-sdk/client-sts'
import { CredentialsProviderError } from '@smithy/core/config'
import { diagnose } from '../../../src/diagnose/index.js'
import { readSettings } from '../../../src/inputs/index.js'
import type { Settings } from '../../../src/settings.js'

const CONTEXT = { repository: 'octo/app', eventName: 'push', payload: {} }
const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?x=1',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
}

function settingsOf(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): Settings {
  return readSettings(
    { get: name => (inputs[name] ?? '').trim(), raw: name => inputs[name] ?? '' },
    env,
    CONTEXT
  )
}

function stsError(name: string, message: string): STSServiceException {
  return new STSServiceException({
    name,
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: 403 }
  })
}

function explain(error: unknown, settings: Settings, env: NodeJS.ProcessEnv = {}) {
  return diagnose(error, { settings, env, context: CONTEXT, facts: {} })
}

describe('partition-aware suggestions', () => {
  test('an aws-cn role gets an aws-cn OIDC provider in its trust statement', () => {
    const settings = settingsOf(
      { 'aws-region': 'cn-north-1', 'role-to-assume': 'arn:aws-cn:iam::123456789012:role/deploy' },
      OIDC_ENV
    )
    const result = explain(stsError('AccessDenied', 'Not authorized'), settings, OIDC_ENV)
    expect(result.title).toBe('Not authorized to assume the role with this OIDC token')
    expect(result.details).toContain(
      '"Federated": "arn:aws-cn:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"'
    )
    expect(result.details).not.toContain('arn:aws:')
  })

  test('an aws-us-gov role gets aws-us-gov placeholders when STS names no caller', () => {
    const settings = settingsOf({
      'aws-region': 'us-gov-west-1',
      'role-to-assume': 'arn:aws-us-gov:iam::123456789012:role/deploy',
      'aws-access-key-id': 'AKIAEXAMPLEEXAMPLE12',
      'aws-secret-access-key': 'secret-secret-secret'
    })
    const result = explain(stsError('AccessDenied', 'Access denied'), settings)
    expect(result.title).toBe('Not authorized to assume the role')
    expect(result.details).toContain('"AWS": "arn:aws-us-gov:iam::<ACCOUNT_ID>:user/<NAME>"')
    expect(result.details).toContain('`arn:aws-us-gov:iam::<ACCOUNT_ID>:root`')
    expect(result.details).not.toContain('arn:aws:')
  })

  test('the provider ARN to create follows the role partition', () => {
    const settings = settingsOf(
      { 'aws-region': 'cn-north-1', 'role-to-assume': 'arn:aws-cn:iam::123456789012:role/deploy' },
      OIDC_ENV
    )
    const error = new InvalidIdentityTokenException({
      message:
        'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
      $metadata: { httpStatusCode: 400 }
    })
    const result = explain(error, settings, OIDC_ENV)
    expect(result.title).toBe('No OIDC identity provider in the account')
    expect(result.details).toContain(
      'arn:aws-cn:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
    )
  })
})

describe('error classes', () => {
  const keys = {
    'aws-region': 'us-east-1',
    'role-to-assume': 'arn:aws:iam::123456789012:role/deploy',
    'aws-access-key-id': 'AKIAEXAMPLEEXAMPLE12',
    'aws-secret-access-key': 'secret-secret-secret'
  }

  test("the SDK's default chain finding nothing is explained as no credentials", () => {
    const settings = settingsOf({ 'aws-region': 'us-east-1' })
    const result = explain(new CredentialsProviderError('Could not load credentials'), settings)
    expect(result.title).toBe('No AWS credentials on the runner')
  })

  test('an error STS did not send is not read as an STS code, whatever its name', () => {
    const impostor = Object.assign(new Error('Access denied'), { name: 'AccessDenied' })
    const result = explain(impostor, settingsOf(keys))
    expect(result.title).toBe('STS call failed: AccessDenied')
  })

  test('the same code from STS is', () => {
    const result = explain(stsError('AccessDenied', 'Access denied'), settingsOf(keys))
    expect(result.title).toBe('Not authorized to assume the role')
  })
})
