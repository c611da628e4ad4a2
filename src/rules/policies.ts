/** Rules for session policies (inline-session-policy, managed-session-policies), within STS limits. */
import { parsePolicyArn } from './arn.js'
import { InputError } from './input-error.js'

/** STS's limit on the plaintext of session policies. */
const MAX_POLICY_CHARACTERS = 2048
const MAX_MANAGED_POLICIES = 10

/** The inline session policy, minified (STS counts its characters) after checking it is a policy. */
export function parseInlinePolicy(input: string, text: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InputError(input, `must be an IAM policy document in JSON; it is not valid JSON.`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(input, `must be an IAM policy document (a JSON object with "Statement").`)
  }
  if (!('Statement' in parsed)) {
    throw new InputError(input, `must be an IAM policy document; it has no "Statement".`)
  }
  const minified = JSON.stringify(parsed)
  // botocore's STS model, sessionPolicyDocumentType: [\u0009\u000A\u000D\u0020-\u00FF]+.
  const outside = /[^\t\n\r\u0020-\u00ff]/u.exec(minified)
  if (outside) {
    const point = outside[0].codePointAt(0) ?? 0
    throw new InputError(
      input,
      `has the character U+${point.toString(16).toUpperCase().padStart(4, '0')}; STS accepts only tab, line breaks and U+0020 to U+00FF in session policies.`
    )
  }
  if (minified.length > MAX_POLICY_CHARACTERS) {
    throw new InputError(
      input,
      `is ${minified.length} characters once minified; STS allows at most ${MAX_POLICY_CHARACTERS}.`
    )
  }
  return minified
}

export function parseManagedPolicies(input: string, arns: string[]): string[] {
  if (arns.length > MAX_MANAGED_POLICIES) {
    throw new InputError(
      input,
      `lists ${arns.length} policies; STS allows at most ${MAX_MANAGED_POLICIES}.`
    )
  }
  return arns.map(arn => parsePolicyArn(input, arn))
}
