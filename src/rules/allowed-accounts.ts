/**
 * The check after STS answers: the session's account must be one of allowed-account-ids, else
 * nothing is exported. Not an input rule: it needs the account STS names.
 */
/** The session is for an account outside allowed-account-ids: nothing may be exported. */
export class AccountNotAllowedError extends Error {
  constructor(
    readonly accountId: string,
    readonly allowed: string[]
  ) {
    super(
      accountId
        ? `The credentials are for account ${accountId}, which is not in allowed-account-ids (${allowed.join(', ')}).`
        : `The credentials' ARN names no account, so allowed-account-ids (${allowed.join(', ')}) cannot be checked.`
    )
    this.name = 'AccountNotAllowedError'
  }
}

export function checkAllowedAccount(allowed: string[], accountId: string): void {
  if (allowed.length > 0 && !allowed.includes(accountId)) {
    throw new AccountNotAllowedError(accountId, allowed)
  }
}
