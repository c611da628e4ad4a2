/**
 * The ID-token endpoint's refusal, on its own so that diagnose.ts can recognise it without loading
 * the HTTP stack that fetches the token (sources/github-oidc.ts).
 */
/** GitHub answered the token request with an error; the status tells transient from permanent. */
export class IdTokenRequestError extends Error {
  readonly $metadata: { httpStatusCode: number }

  constructor(status: number) {
    super(`GitHub's ID token endpoint answered HTTP ${status}.`)
    this.name = 'IdTokenRequestError'
    this.$metadata = { httpStatusCode: status }
  }
}
