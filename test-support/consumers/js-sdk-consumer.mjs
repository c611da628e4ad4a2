// A JS SDK v3 consumer for the e2e suite: `fromIni` (profile from the argument or AWS_PROFILE) or
// `fromNodeProviderChain`, then GetCallerIdentity; prints {"Arn": …, "Account": …}. Region and
// endpoint come from the environment (AWS_REGION, AWS_ENDPOINT_URL_STS), as a job's script gets them.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers'

const [mode, profile] = process.argv.slice(2)
const credentials =
  mode === 'fromIni' ? fromIni(profile ? { profile } : {}) : fromNodeProviderChain()
const client = new STSClient({ credentials })
try {
  const identity = await client.send(new GetCallerIdentityCommand({}))
  process.stdout.write(JSON.stringify({ Arn: identity.Arn, Account: identity.Account }) + '\n')
} catch (error) {
  process.stderr.write(`${error.name}: ${error.message}\n`)
  process.exitCode = 1
} finally {
  client.destroy()
}
