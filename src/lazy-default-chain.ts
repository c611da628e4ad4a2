/**
 * Stands in for @aws-sdk/credential-provider-node in the bundle (tsconfig.build.json `paths`, which ncc
 * applies when it resolves modules; tests and type checks see the real package). @aws-sdk/client-sts
 * requires the SDK's default credential chain when it loads, and with it SSO, INI profiles,
 * credential_process, web identity, container and instance metadata and their nested clients:
 * about half of the SDK's bytes in the bundle, parsed on every run although only the environment
 * source without keys ever asks for it. This loads the real chain, in a chunk of its own, on
 * that first ask, and hands every call to it (its memoisation and refresh unchanged).
 */
import type { defaultProvider as DefaultProvider } from '../node_modules/@aws-sdk/credential-provider-node/dist-types/index.js'

type Init = Parameters<typeof DefaultProvider>[0]
type Provider = ReturnType<typeof DefaultProvider>

const load = (): Promise<{ defaultProvider: typeof DefaultProvider }> =>
  // @ts-expect-error -- the CommonJS build has no declarations beside it; dist-types (above) describes it
  import('../node_modules/@aws-sdk/credential-provider-node/dist-cjs/index.js')

export function defaultProvider(init: Init = {}): Provider {
  let provider: Promise<Provider> | undefined
  return async options => {
    provider ??= load().then(chain => chain.defaultProvider(init))
    return (await provider)(options)
  }
}
