/**
 * Bundle stand-ins for @actions/http-client (with its lib/auth) and @actions/exec (tsconfig.build.json
 * `paths`, which ncc applies when it resolves modules). @actions/core's entry imports them only for
 * getIDToken and platform.getDetails, which this action never calls (runner/actions-toolkit.ts does not
 * export them): the ID token comes through the SDK's handler (sources/github-oidc.ts). The real
 * packages would add undici (~480 KB minified) and child_process to every start. Anything that
 * reaches them anyway fails saying why, instead of sending a request with a client that is not there.
 */
function absent(what: string): Error {
  return new Error(
    `${what} is not bundled with this action: @actions/core's getIDToken and platform are unused (src/bundle/toolkit-stand-ins.ts).`
  )
}

// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- oidc-utils.js calls `new HttpClient(...)`
export class HttpClient {
  constructor() {
    throw absent('@actions/http-client')
  }
}

// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- and `new BearerCredentialHandler(...)`
export class BearerCredentialHandler {
  constructor() {
    throw absent('@actions/http-client')
  }
}

export function exec(): Promise<never> {
  return Promise.reject(absent('@actions/exec'))
}

export function getExecOutput(): Promise<never> {
  return Promise.reject(absent('@actions/exec'))
}
