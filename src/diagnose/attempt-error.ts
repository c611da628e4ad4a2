/**
 * Failures carry what their diagnosis needs, so nothing is written aside while a call runs: the
 * role attempted, the caller STS saw, the ID token used (AttemptError), and the profile of
 * role-profiles whose role failed (ProfileError). unwrapFailure() gives the diagnosis both.
 */

/** Facts about one role's STS exchange, known when it failed. */
export interface AttemptFacts {
  /** The role ARN (or bare name, with web identity) the call was for. */
  roleArn?: string
  /** The caller's ARN, when a GetCallerIdentity told it. */
  callerArn?: string
  /** The ID token sent (never shown: only its claims explain a refusal). */
  idToken?: string
}

/** One role's STS exchange failed: the cause, with the facts known at that point. */
export class AttemptError extends Error {
  constructor(
    readonly failure: unknown,
    readonly facts: AttemptFacts
  ) {
    super(failure instanceof Error ? failure.message : String(failure))
    this.name = 'AttemptError'
  }
}

/** A role of role-profiles failed; the cause is diagnosed as usual, with the profile named. */
export class ProfileError extends Error {
  constructor(
    readonly profile: string,
    readonly roleArn: string,
    readonly failure: unknown
  ) {
    super(`profile ${profile}`)
    this.name = 'ProfileError'
  }
}

export interface UnwrappedFailure {
  /** The original error (from STS, the SDK, a source, a rule). */
  failure: unknown
  facts: AttemptFacts
  /** The profile whose role failed, with role-profiles. */
  profile?: string
}

/** The original error and every fact the wrappers around it carried. */
export function unwrapFailure(error: unknown): UnwrappedFailure {
  if (error instanceof ProfileError) {
    const inner = unwrapFailure(error.failure)
    return {
      ...inner,
      facts: { ...inner.facts, roleArn: inner.facts.roleArn ?? error.roleArn },
      profile: error.profile
    }
  }
  if (error instanceof AttemptError) {
    const inner = unwrapFailure(error.failure)
    return { ...inner, facts: { ...error.facts, ...inner.facts } }
  }
  return { failure: error, facts: {} }
}
