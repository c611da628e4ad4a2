/**
 * AWS's own definition of STS's inputs: botocore's service model (sts/2011-06-15/service-2.json),
 * read from Debian's awscli package when the emulator starts. Every STS request is decoded from
 * its Query-protocol form and checked against the operation's input shape (required members,
 * lengths, patterns, list sizes, integer ranges) before anything else, and a violation is answered
 * with STS's ValidationError wording. There is no fallback: without the model the emulator does
 * not start.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

/** Where Debian's awscli (2.9) puts botocore's data; STS_SERVICE_MODEL overrides it. */
const DEBIAN_PATH =
  '/usr/lib/python3/dist-packages/awscli/botocore/data/sts/2011-06-15/service-2.json'
/** Only this path segment: `grep sts/` alone would also match outposts' and s3outposts' models. */
const MODEL_SUFFIX = /\/data\/sts\/2011-06-15\/service-2\.json$/

export const MISSING_MODEL_HELP =
  "botocore's STS service model (data/sts/2011-06-15/service-2.json) was not found. The test " +
  'emulator checks every STS request against it, as STS does, and will not run without it. ' +
  "Install Debian's AWS CLI, which ships it: `sudo apt-get install -y awscli` (script/test does), " +
  'or set STS_SERVICE_MODEL to the path of that file.'

interface ShapeRef {
  shape: string
}

/** The parts of botocore's shape definitions the input check uses. */
interface Shape {
  type: 'structure' | 'list' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob'
  members?: Record<string, ShapeRef>
  required?: string[]
  member?: ShapeRef
  min?: number
  max?: number
  pattern?: string
  enum?: string[]
  flattened?: boolean
}

interface ModelFile {
  metadata: { apiVersion: string; protocol: string }
  operations: Record<string, { input?: ShapeRef }>
  shapes: Record<string, Shape>
}

export interface StsModel {
  readonly path: string
  readonly apiVersion: string
  /** The operations the model defines. */
  readonly operations: string[]
  /**
   * STS's violation texts for this request, in the model's member order; empty when it conforms;
   * undefined for an operation the model does not define.
   */
  validate(action: string, params: URLSearchParams): string[] | undefined
}

/** Finds the model file: STS_SERVICE_MODEL, Debian's path, then `dpkg -L awscli`. */
export function locateStsModel(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.STS_SERVICE_MODEL
  if (override) {
    if (!existsSync(override))
      throw new Error(`STS_SERVICE_MODEL=${override} does not exist. ${MISSING_MODEL_HELP}`)
    return override
  }
  if (existsSync(DEBIAN_PATH)) return DEBIAN_PATH
  try {
    // Runs once, before the server listens, so blocking here starves no client.
    const listed = execFileSync('dpkg', ['-L', 'awscli'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    })
    const found = listed.split('\n').find(line => MODEL_SUFFIX.test(line))
    if (found && existsSync(found)) return found
  } catch {
    // dpkg missing or awscli not installed: the same help below.
  }
  throw new Error(MISSING_MODEL_HELP)
}

const cache = new Map<string, StsModel>()

/** The model, parsed and its patterns compiled once per file. */
export function loadStsModel(path: string = locateStsModel()): StsModel {
  let model = cache.get(path)
  if (!model) {
    const file = JSON.parse(readFileSync(path, 'utf8')) as ModelFile
    if (file.metadata?.protocol !== 'query' || !file.shapes || !file.operations) {
      throw new Error(`${path} is not botocore's STS model (Query protocol). ${MISSING_MODEL_HELP}`)
    }
    model = new Checker(path, file)
    cache.set(path, model)
  }
  return model
}

/**
 * A model `pattern` as a JS RegExp. The model's patterns are Java regexes matched against the
 * whole value (`String.matches`), so they are anchored here; `\p{L}` and friends need the `u`
 * flag; a five- or six-digit `\u10000` means the code point U+10000 and becomes `\u{10000}`; and
 * Java's harmless escapes of punctuation (`\:` in federatedIdType) are not allowed under `u`, so
 * they lose their backslash.
 */
export function javaPattern(pattern: string): RegExp {
  const converted = pattern
    .replace(/\\u([0-9A-Fa-f]{5,6})/g, '\\u{$1}')
    .replace(/\\([^A-Za-z0-9\\^$.*+?()[\]{}|/-])/g, '$1')
  return new RegExp(`^(?:${converted})$`, 'u')
}

/** STS names members lowerCamelCase in its messages: RoleArn → roleArn, Tags.1 → tags.1.member. */
function fieldName(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1)
}

/** How STS's validator prints a value: strings quoted, null bare, lists as [a, b]. */
function shown(value: unknown): string {
  if (value === undefined) return 'null'
  if (Array.isArray(value)) return `'[${value.map(printable).join(', ')}]'`
  return `'${printable(value)}'`
}

function printable(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${printable(v)}`)
      .join(', ')}}`
  }
  return String(value)
}

type Decoded = string | Decoded[] | { [member: string]: Decoded | undefined }

class Checker implements StsModel {
  readonly apiVersion: string
  readonly operations: string[]
  private readonly patterns = new Map<string, RegExp>()

  constructor(
    readonly path: string,
    private readonly file: ModelFile
  ) {
    this.apiVersion = file.metadata.apiVersion
    this.operations = Object.keys(file.operations)
    // Compile every pattern now: a conversion the JS engine refuses fails the start, not a test.
    for (const [name, shape] of Object.entries(file.shapes)) {
      if (shape.pattern !== undefined) this.patterns.set(name, javaPattern(shape.pattern))
    }
  }

  validate(action: string, params: URLSearchParams): string[] | undefined {
    const operation = this.file.operations[action]
    if (!operation) return undefined
    if (!operation.input) return []
    const out: string[] = []
    const input = this.decode(operation.input.shape, params, '')
    this.check(operation.input.shape, input, '', out)
    return out
  }

  private shape(name: string): Shape {
    const shape = this.file.shapes[name]
    if (!shape) throw new Error(`STS model: no shape ${name}`)
    return shape
  }

  /**
   * The Query form (`Tags.member.1.Key=…`) as a tree following the shape, `key` being this value's
   * parameter name ('' for the input itself); absent values stay undefined.
   */
  private decode(name: string, params: URLSearchParams, key: string): Decoded | undefined {
    const shape = this.shape(name)
    if (shape.type === 'structure') {
      if (key !== '' && ![...params.keys()].some(k => k.startsWith(`${key}.`))) return undefined
      const out: Record<string, Decoded | undefined> = {}
      for (const [member, ref] of Object.entries(shape.members ?? {})) {
        const value = this.decode(ref.shape, params, key === '' ? member : `${key}.${member}`)
        if (value !== undefined) out[member] = value
      }
      return out
    }
    if (shape.type === 'list') {
      // Query lists: Name.member.N (Name.N when flattened); an empty list is sent as `Name=`.
      const base = shape.flattened ? `${key}.` : `${key}.member.`
      const indices = new Set<number>()
      for (const k of params.keys()) {
        if (!k.startsWith(base)) continue
        const n = /^(\d+)(?:\.|$)/.exec(k.slice(base.length))
        if (n) indices.add(Number(n[1]))
      }
      if (indices.size === 0) return params.has(key) ? [] : undefined
      const element = shape.member?.shape ?? ''
      return [...indices]
        .sort((a, b) => a - b)
        .map(i => this.decode(element, params, `${base}${i}`) ?? {})
    }
    return params.get(key) ?? undefined
  }

  private check(name: string, value: Decoded | undefined, field: string, out: string[]): void {
    const shape = this.shape(name)
    const fail = (constraint: string): void => {
      out.push(`Value ${shown(value)} at '${field}' failed to satisfy constraint: ${constraint}`)
    }
    if (value === undefined) return
    switch (shape.type) {
      case 'structure': {
        if (typeof value !== 'object' || Array.isArray(value)) return
        for (const [member, ref] of Object.entries(shape.members ?? {})) {
          const at = field === '' ? fieldName(member) : `${field}.${fieldName(member)}`
          const memberValue = value[member]
          if (memberValue === undefined && shape.required?.includes(member)) {
            out.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`)
            continue
          }
          this.check(ref.shape, memberValue, at, out)
        }
        return
      }
      case 'list': {
        if (!Array.isArray(value)) return
        value.forEach((element, i) => {
          this.check(shape.member?.shape ?? '', element, `${field}.${i + 1}.member`, out)
        })
        // Coral reports the list's own size after its members.
        if (shape.min !== undefined && value.length < shape.min)
          fail(`Member must have length greater than or equal to ${shape.min}`)
        if (shape.max !== undefined && value.length > shape.max)
          fail(`Member must have length less than or equal to ${shape.max}`)
        return
      }
      case 'string': {
        if (typeof value !== 'string') return
        // Lengths count characters (Smithy's length trait: Unicode scalar values), not UTF-16 units.
        const length = Array.from(value).length
        if (shape.min !== undefined && length < shape.min)
          fail(`Member must have length greater than or equal to ${shape.min}`)
        if (shape.max !== undefined && length > shape.max)
          fail(`Member must have length less than or equal to ${shape.max}`)
        const pattern = this.patterns.get(name)
        if (pattern && !pattern.test(value))
          fail(`Member must satisfy regular expression pattern: ${shape.pattern ?? ''}`)
        if (shape.enum && !shape.enum.includes(value))
          fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`)
        return
      }
      case 'integer':
      case 'long': {
        if (typeof value !== 'string') return
        if (!/^-?\d+$/.test(value)) {
          // The model has no text for this; STS's Query front end refuses it before validation.
          fail('Member must be an integer')
          return
        }
        const n = Number(value)
        if (shape.min !== undefined && n < shape.min)
          fail(`Member must have value greater than or equal to ${shape.min}`)
        if (shape.max !== undefined && n > shape.max)
          fail(`Member must have value less than or equal to ${shape.max}`)
        return
      }
      default:
        return
    }
  }
}

/** STS's ValidationError message for a list of violations. */
export function validationMessage(violations: string[]): string {
  const n = violations.length
  return `${n} validation error${n > 1 ? 's' : ''} detected: ${violations.join('; ')}`
}
