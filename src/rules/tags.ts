/** Session tags: STS's rules for keys and values (botocore's STS model, tagKeyType and tagValueType). */
import { InputError, quote } from './input-error.js'

export interface Tag {
  Key: string
  Value: string
}

/** STS's limits for session tags. */
const MAX_TAGS = 50
// With the u flag `{1,128}` counts code points, as STS counts characters.
const KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u
const VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u
const MAX_KEY_LENGTH = 128
const MAX_VALUE_LENGTH = 256
/** One code point outside the tag pattern; keys and values share it. */
const NOT_ALLOWED = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu

/**
 * A GitHub context value made acceptable to STS: each code point outside the tag pattern becomes
 * `_`, as configure-aws-credentials' sanitizeGitHubVariables (src/helpers.ts) does, so
 * `dependabot[bot]` is sent as `dependabot_bot_` there and here. The result is cut to 256 code
 * points (keys to 128): STS's model lengths count characters, not UTF-16 units. (Here the two
 * differ on purpose: configure-aws-credentials cuts with String.slice, which counts UTF-16 units
 * and can split a surrogate pair of an astral letter, leaving a value STS refuses.)
 */
export function sanitizeTag(key: string, value: string): Tag {
  return {
    Key: cutCodePoints(key.replace(NOT_ALLOWED, '_'), MAX_KEY_LENGTH),
    Value: cutCodePoints(value.replace(NOT_ALLOWED, '_'), MAX_VALUE_LENGTH)
  }
}

/** The first `max` code points of `text`. */
export function cutCodePoints(text: string, max: number): string {
  const points = Array.from(text)
  return points.length > max ? points.slice(0, max).join('') : text
}

/** `custom-tags`: a JSON object whose values are strings (numbers and booleans are converted). */
export function parseCustomTags(input: string, text: string): Tag[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InputError(
      input,
      `must be a JSON object like {"Team":"platform"}; it is not valid JSON.`
    )
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(input, `must be a JSON object like {"Team":"platform"}.`)
  }
  return Object.entries(parsed).map(([key, raw]) => {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw new InputError(input, `must map each key to a string; ${quote(key)} does not.`)
    }
    return checkTag(input, { Key: key, Value: String(raw) })
  })
}

function checkTag(input: string, tag: Tag): Tag {
  if (!KEY.test(tag.Key)) {
    throw new InputError(
      input,
      `has a tag key that is not 1 to 128 of letters, digits, spaces and _.:/=+-@: ${quote(tag.Key)}.`
    )
  }
  if (tag.Key.toLowerCase().startsWith('aws:')) {
    throw new InputError(input, `has a tag key with the reserved prefix "aws:": ${quote(tag.Key)}.`)
  }
  if (!VALUE.test(tag.Value)) {
    throw new InputError(
      input,
      `has a value for ${quote(tag.Key)} that is not 0 to 256 of letters, digits, spaces and _.:/=+-@.`
    )
  }
  return tag
}

/**
 * Context tags plus custom tags. A custom key may not be one this action sets itself (`ownKeys`),
 * sent in this run or not, exactly as configure-aws-credentials refuses them (PROTECTED_TAG_KEYS in
 * src/assumeRole.ts, case-sensitively). One that differs only in letter case from a tag being sent
 * is refused too: STS takes tag keys in any case as one key and would refuse the call. Custom keys
 * that repeat one another are an error rather than a silent override.
 */
export function mergeTags(
  input: string,
  contextTags: Tag[],
  customTags: Tag[],
  ownKeys: readonly string[]
): Tag[] {
  const sent = new Map(contextTags.map(tag => [tag.Key.toLowerCase(), tag.Key]))
  const seen = new Map<string, string>()
  for (const tag of customTags) {
    const lower = tag.Key.toLowerCase()
    if (ownKeys.includes(tag.Key)) {
      throw new InputError(
        input,
        `uses the tag key ${quote(tag.Key)}, which this action sets itself; choose another key. The action's own keys: ${ownKeys.join(', ')}.`
      )
    }
    const clash = sent.get(lower)
    if (clash !== undefined) {
      throw new InputError(
        input,
        `uses the tag key ${quote(tag.Key)}, which differs only in letter case from the tag ${quote(clash)} this action sends; STS takes tag keys in any case as one key and would refuse the call. Choose another key.`
      )
    }
    const previous = seen.get(lower)
    if (previous !== undefined) {
      throw new InputError(
        input,
        `repeats the tag key ${quote(tag.Key)} (keys are case-insensitive and it already has ${quote(previous)}).`
      )
    }
    seen.set(lower, tag.Key)
  }
  const tags = [...contextTags, ...customTags]
  if (tags.length > MAX_TAGS) {
    throw new InputError(
      input,
      `would make ${tags.length} session tags; STS allows at most ${MAX_TAGS} (the GitHub context uses ${contextTags.length}).`
    )
  }
  return tags
}

/**
 * `transitive-tag-keys`: the keys that name one of the session's tags (in any case, as STS compares
 * them), and those that name none, which configure-aws-credentials drops silently and the caller
 * reports.
 */
export function parseTransitiveTagKeys(
  input: string,
  values: string[],
  tags: Tag[]
): { keys: string[]; dropped: string[] } {
  const sent = new Set(tags.map(tag => tag.Key.toLowerCase()))
  const keys: string[] = []
  const dropped: string[] = []
  for (const key of values) {
    if (!KEY.test(key)) {
      throw new InputError(input, `has a key that is not a tag key: ${quote(key)}.`)
    }
    ;(sent.has(key.toLowerCase()) ? keys : dropped).push(key)
  }
  return { keys, dropped }
}
