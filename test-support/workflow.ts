/**
 * One job of a workflow file as the runner plans it: read with `yaml`, its matrix expanded into
 * legs, and the `${{ … }}` expressions the samples use evaluated per leg. Covers the subset the
 * samples use and fails loudly on anything else, so a demo never runs something the file does not
 * say.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

/** What expressions may read: `secrets.X`, `vars.X`, `github.run_id`, … (matrix comes per leg). */
export type ExpressionContext = Record<string, string>

export interface PlannedStep {
  id?: string
  name: string
  uses?: string
  run?: string
  /** `with:` evaluated for this leg, in file order. */
  with: Array<[string, string]>
}

/** One leg of a job (a job without a matrix has exactly one). */
export interface Leg {
  jobId: string
  /** The name the Actions UI shows for the leg. */
  name: string
  /** This leg's matrix values ({} without a matrix). */
  matrix: Record<string, string>
  /** `permissions: id-token: write`: the runner hands the leg an ID-token request URL and token. */
  idToken: boolean
  /** The evaluated `concurrency` group, when the job has one. */
  concurrency?: string
  timeoutMinutes?: number
  steps: PlannedStep[]
}

export interface PlannedJob {
  id: string
  /** `strategy.fail-fast` (GitHub's default is true). */
  failFast: boolean
  /** `strategy.max-parallel`, when set. */
  maxParallel?: number
  hasMatrix: boolean
  /** The job-level `if:` was false: the runner skips the job and expands no matrix. */
  skipped: boolean
  legs: Leg[]
}

type Yaml = Record<string, unknown>

const isMapping = (value: unknown): value is Yaml =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The job ids of a workflow file, in file order. */
export function jobIds(file: string): string[] {
  return Object.keys(jobsOf(file))
}

function jobsOf(file: string): Yaml {
  const doc: unknown = parse(readFileSync(file, 'utf8'))
  if (!isMapping(doc) || !isMapping(doc.jobs)) throw new Error(`${file}: no jobs`)
  return doc.jobs
}

/** Reads job `id` of `file` and expands its matrix. */
export function planJob(file: string, id: string, context: ExpressionContext): PlannedJob {
  const job = jobsOf(file)[id]
  if (!isMapping(job)) throw new Error(`${file}: no job ${id}`)
  const strategy = isMapping(job.strategy) ? job.strategy : {}
  const failFast = strategy['fail-fast'] !== false
  const hasMatrix = strategy.matrix !== undefined
  // The job's `if:` comes before the matrix: a skipped job never evaluates fromJSON(…).
  if (job.if !== undefined && !condition(id, job.if, context)) {
    return { id, failFast, hasMatrix, skipped: true, legs: [] }
  }
  const entries = matrixEntries(id, strategy.matrix, context)
  const legs = entries.map(matrix => planLeg(id, job, matrix, context, entries.length > 0))
  return {
    id,
    // GitHub's default: one failing leg cancels the others still running.
    failFast,
    maxParallel:
      typeof strategy['max-parallel'] === 'number' ? strategy['max-parallel'] : undefined,
    hasMatrix,
    skipped: false,
    legs: legs.length > 0 ? legs : [planLeg(id, job, {}, context, false)]
  }
}

/** A job-level `if:` of the forms the samples use: `NAME != ''` or `NAME == ''`. */
function condition(id: string, expr: unknown, context: ExpressionContext): boolean {
  const text = typeof expr === 'string' ? expr.replace(/^\$\{\{(.*)\}\}$/s, '$1').trim() : ''
  const match = /^([\w.-]+)\s*(!=|==)\s*''$/.exec(text)
  if (!match) throw new Error(`${id}: the demo cannot evaluate if: ${String(expr)}`)
  const empty = (context[match[1] ?? ''] ?? '') === ''
  return match[2] === '==' ? empty : !empty
}

/**
 * The legs of `strategy.matrix`. Only `include:` is supported (a list of mappings, or
 * `${{ fromJSON(vars.X) }}` giving one), which is how per-account matrices are written: each entry
 * is one leg. Values must be scalars; account IDs stay strings.
 */
function matrixEntries(
  id: string,
  matrix: unknown,
  context: ExpressionContext
): Array<Record<string, string>> {
  if (matrix === undefined) return []
  let include: unknown = isMapping(matrix) ? matrix.include : undefined
  if (isMapping(matrix) && Object.keys(matrix).some(key => key !== 'include')) {
    throw new Error(`${id}: only strategy.matrix.include is supported here`)
  }
  if (typeof include === 'string') {
    const from = /^\$\{\{\s*fromJSON\(\s*([\w.-]+)\s*\)\s*\}\}$/.exec(include.trim())
    if (!from) throw new Error(`${id}: matrix.include must be a list or \${{ fromJSON(name) }}`)
    const text = lookup(from[1] ?? '', context)
    try {
      include = JSON.parse(text) as unknown
    } catch {
      throw new Error(`${id}: ${from[1]} is not JSON`)
    }
  }
  if (!Array.isArray(include) || include.length === 0) {
    throw new Error(`${id}: matrix.include must be a non-empty list`)
  }
  return include.map((entry, index) => {
    if (!isMapping(entry)) throw new Error(`${id}: matrix entry ${index + 1} is not a mapping`)
    return Object.fromEntries(
      Object.entries(entry).map(([key, value]) => {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
          throw new Error(`${id}: matrix entry ${index + 1}: ${key} is not a scalar`)
        return [key, String(value)]
      })
    )
  })
}

function planLeg(
  id: string,
  job: Yaml,
  matrix: Record<string, string>,
  context: ExpressionContext,
  inMatrix: boolean
): Leg {
  const scope = {
    ...context,
    ...Object.fromEntries(Object.entries(matrix).map(([k, v]) => [`matrix.${k}`, v]))
  }
  const evaluate = (text: string): string => evaluateTemplate(text, scope, inMatrix)
  const rawName = typeof job.name === 'string' ? job.name : id
  // GitHub names a leg after the job plus its matrix values, unless the name uses the matrix.
  const name =
    inMatrix && !/\$\{\{[^}]*matrix\./.test(rawName)
      ? `${evaluate(rawName)} (${Object.values(matrix).join(', ')})`
      : evaluate(rawName)
  const permissions = isMapping(job.permissions) ? job.permissions : {}
  const concurrency = isMapping(job.concurrency) ? job.concurrency.group : job.concurrency
  if (!Array.isArray(job.steps) || job.steps.length === 0) throw new Error(`${id}: no steps`)
  const steps = job.steps.map((step: unknown, index): PlannedStep => {
    if (!isMapping(step)) throw new Error(`${id}: step ${index + 1} is not a mapping`)
    const inputs = isMapping(step.with) ? step.with : {}
    return {
      id: typeof step.id === 'string' ? step.id : undefined,
      name: typeof step.name === 'string' ? evaluate(step.name) : '',
      uses: typeof step.uses === 'string' ? step.uses : undefined,
      run: typeof step.run === 'string' ? evaluate(step.run.trim()) : undefined,
      with: Object.entries(inputs).map(([key, value]) => [key, evaluate(String(value))])
    }
  })
  return {
    jobId: id,
    name,
    matrix,
    idToken: permissions['id-token'] === 'write',
    concurrency: typeof concurrency === 'string' ? evaluate(concurrency) : undefined,
    timeoutMinutes: typeof job['timeout-minutes'] === 'number' ? job['timeout-minutes'] : undefined,
    steps
  }
}

/** A context value; an unknown name is an error (the demo would otherwise run on a guess). */
function lookup(name: string, scope: ExpressionContext): string {
  const value = scope[name]
  if (value === undefined) throw new Error(`the workflow reads \${{ ${name} }}; no value given`)
  return value
}

/**
 * `${{ expr }}` replaced, where expr is operands joined by `||`: context names or '…' literals.
 * As in GitHub's expressions, `a || b` is the first non-empty operand, and a matrix key a leg does
 * not set is empty (null) rather than an error.
 */
function evaluateTemplate(text: string, scope: ExpressionContext, inMatrix: boolean): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expr: string) => {
    const operands = expr.split('||').map(part => part.trim())
    for (const operand of operands) {
      const literal = /^'((?:[^']|'')*)'$/.exec(operand)
      let value: string
      if (literal) value = (literal[1] ?? '').replace(/''/g, "'")
      else if (!/^[\w.-]+$/.test(operand))
        throw new Error(`the demo cannot evaluate \${{ ${expr.trim()} }}`)
      else if (inMatrix && operand.startsWith('matrix.')) value = scope[operand] ?? ''
      else value = lookup(operand, scope)
      if (value !== '') return value
    }
    return ''
  })
}
