import { InputError, quote } from './input-error.js'

export interface Tag {
  Key: string
  Value: string
}

/** STS's limits for session tags. */
const MAX_TAGS = 50
const KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u
const VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u
/** Characters STS refuses in a tag value become '*', as configure-aws-credentials does. */
const NOT_ALLOWED_IN_VALUE = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu

/** A GitHub context value made acceptable as a tag value: cleaned and cut to 256 characters. */
export function cleanTagValue(value: string): string {
  return value.replace(NOT_ALLOWED_IN_VALUE, '*').slice(0, 256)
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
 * Context tags plus custom tags. Tag keys are case-insensitive in STS, so a custom key that
 * repeats another (in any case) is an error rather than a silent override.
 */
export function mergeTags(input: string, contextTags: Tag[], customTags: Tag[]): Tag[] {
  const seen = new Map<string, string>()
  for (const tag of [...contextTags, ...customTags]) {
    const lower = tag.Key.toLowerCase()
    const previous = seen.get(lower)
    if (previous !== undefined) {
      throw new InputError(
        input,
        `repeats the tag key ${quote(tag.Key)} (keys are case-insensitive and the GitHub context already uses ${quote(previous)}; set role-skip-session-tagging to drop the context tags).`
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

/** `transitive-tag-keys`: each must name one of the session's tags. */
export function parseTransitiveTagKeys(input: string, values: string[], tags: Tag[]): string[] {
  const keys = new Set(tags.map(tag => tag.Key.toLowerCase()))
  for (const key of values) {
    if (!keys.has(key.toLowerCase())) {
      throw new InputError(input, `names ${quote(key)}, which is not one of the session's tags.`)
    }
  }
  return values
}
