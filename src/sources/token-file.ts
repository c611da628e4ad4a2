/** Source web identity token read from web-identity-token-file. */
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { InputError, quote } from '../rules/input-error.js'
import { maskSecret } from '../runner/secrets.js'

/** A web identity token from a file (EKS, or a token another step wrote); relative to the workspace. */
export async function fromTokenFile(path: string, env: NodeJS.ProcessEnv): Promise<string> {
  const fullPath = isAbsolute(path) ? path : resolve(env.GITHUB_WORKSPACE ?? process.cwd(), path)
  let token: string
  try {
    token = (await readFile(fullPath, 'utf8')).trim()
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable'
    throw new InputError('web-identity-token-file', `cannot be read (${code}): ${quote(fullPath)}.`)
  }
  maskSecret(token)
  if (!token) throw new InputError('web-identity-token-file', `is empty: ${quote(fullPath)}.`)
  // botocore's STS model, clientTokenType: 4 to 20000 characters.
  const length = Array.from(token).length
  if (length < 4 || length > 20_000) {
    throw new InputError(
      'web-identity-token-file',
      `holds a token of ${length} characters; STS accepts 4 to 20000: ${quote(fullPath)}.`
    )
  }
  return token
}
