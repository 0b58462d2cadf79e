/**
 * The config form of each code check, derived from the wire schema (schema/wire/evaluators.ts
 * CodeCheck, through zod's JSON Schema export) so the form and the API cannot disagree
 * about fields, types, choices and defaults. Plain logic: the form values are strings and
 * booleans, turned into a config here and validated by the same zod schema the API runs.
 */
import { toJSONSchema } from 'zod';
import { CODE_CHECKS, CodeCheck, EvaluatorConfig } from '../../../schema/wire/evaluators.ts';

/** How a field is edited. */
export type FieldKind = 'source' | 'enum' | 'boolean' | 'number' | 'integer' | 'string' | 'texts' | 'json';

/** One field of a check's form. */
export interface CheckField {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  /** The schema's default, shown prefilled. */
  default?: unknown;
  options?: string[];
  help?: string;
}

/** One check: its name, what it does, and its fields. */
export interface CheckSpec {
  check: string;
  label: string;
  description: string;
  fields: CheckField[];
}

/** What a form holds per field: text (numbers, JSON, lists as typed) or a checkbox. */
export type CheckValues = Record<string, string | boolean>;

type JsonSchema = { type?: string; $ref?: string; enum?: string[]; anyOf?: JsonSchema[]; default?: unknown; description?: string; properties?: Record<string, JsonSchema>; required?: string[]; oneOf?: JsonSchema[]; $defs?: Record<string, JsonSchema>; const?: string };

/** Words for the checks, in the order the form offers them (grouped as the docs group them). */
const CHECK_LABELS: Record<string, string> = {
  exact_match: 'Exact match',
  json_equal: 'JSON equal',
  json_valid: 'Valid JSON',
  json_schema: 'JSON Schema',
  regex: 'Regular expression',
  contains: 'Contains',
  not_contains: 'Does not contain',
  length: 'Length',
  latency: 'Latency',
  tokens: 'Tokens',
  cost: 'Cost',
  error_free: 'No failed steps',
  tool_called: 'Tool was called',
  tool_not_called: 'Tool was not called',
  tool_sequence: 'Tool call sequence',
  step_limit: 'Step limit',
  no_loops: 'No tool loops',
};

const LABELS: Record<string, string> = {
  value: 'Value',
  expected: 'Expected (given here)',
  expected_from: 'Expected (read from the trace)',
  case_sensitive: 'Case sensitive',
  trim: 'Trim whitespace',
  schema: 'JSON Schema',
  pattern: 'Pattern',
  flags: 'Flags',
  text: 'Text',
  mode: 'Mode',
  min: 'Minimum',
  max: 'Maximum',
  max_ms: 'Max latency (ms)',
  max_usd: 'Max cost (USD)',
  tool: 'Tool name',
  args: 'Arguments',
  args_match: 'Argument matching',
  min_times: 'At least (times)',
  max_tool_calls: 'Max tool calls',
  max_llm_calls: 'Max LLM calls',
  max_spans: 'Max spans',
  max_identical_calls: 'Max identical calls',
  consecutive_only: 'Only count calls in a row',
};

const HELP: Record<string, string> = {
  value: 'Where the checked value is read from: output, input, output.answer, trace.metadata.x, …',
  expected: 'The reference, as JSON (a string in quotes) — or leave empty and read it from the trace',
  expected_from: 'Where the reference is read from on each trace, e.g. trace.metadata.reference',
  flags: 'Any of i (ignore case), m (multi-line), s (dot matches newline), u (unicode)',
  text: 'One per line',
  args: 'JSON: the arguments to look for (leave empty to match any)',
  schema: 'A JSON Schema (draft 2020-12 by default; 2019-09, 7, 4 by $schema)',
  'length.min': 'Characters (JSON text for non-text values)',
  'tokens.max': 'Total tokens of the trace (or span)',
  'tool_sequence.expected': 'JSON list of calls: [{"name": "get_user_details", "args": {"user_id": "…"}}, …]',
  'tool_sequence.expected_from': 'Per-trace expected calls, e.g. trace.metadata.expected_actions (items {name, args|kwargs})',
  'tool_sequence.mode': 'strict: same calls, same order · unordered: same calls, any order · subset: every call made was expected · superset: every expected call was made',
  consecutive_only: 'Count only identical calls that follow each other',
};

/**
 * Values a new check starts with where the schema has no default: what most users want
 * first (the tau-bench style superset match, generous budgets), all easy to change.
 */
export const CHECK_STARTERS: Record<string, Record<string, unknown>> = {
  exact_match: { expected_from: 'trace.metadata.reference' },
  json_equal: { expected_from: 'trace.metadata.reference' },
  json_schema: { schema: { type: 'object' } },
  length: { min: 1, max: 4000 },
  latency: { max_ms: 30_000 },
  tokens: { max: 20_000 },
  cost: { max_usd: 0.05 },
  tool_sequence: { expected_from: 'trace.metadata.expected_actions', mode: 'superset', args_match: 'subset' },
  step_limit: { max_tool_calls: 20 },
};

const humanize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' ');

function kindOf(schema: JsonSchema, defs: Record<string, JsonSchema>): { kind: FieldKind; options?: string[]; description?: string } {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    if (name === 'ValueSource') return { kind: 'source' };
    const target = defs[name];
    if (target?.enum) return { kind: 'enum', options: target.enum, description: target.description };
    return { kind: 'json' };
  }
  if (schema.enum) return { kind: 'enum', options: schema.enum };
  if (schema.anyOf && schema.anyOf.some((s) => s.type === 'string') && schema.anyOf.some((s) => s.type === 'array')) return { kind: 'texts' };
  if (schema.type === 'boolean') return { kind: 'boolean' };
  if (schema.type === 'integer') return { kind: 'integer' };
  if (schema.type === 'number') return { kind: 'number' };
  if (schema.type === 'string') return { kind: 'string' };
  return { kind: 'json' };
}

function buildSpecs(): Map<string, CheckSpec> {
  const doc = toJSONSchema(CodeCheck, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defs = doc.$defs ?? {};
  const specs = new Map<string, CheckSpec>();
  for (const option of doc.oneOf ?? []) {
    const check = option.properties!.check.const!;
    const required = new Set(option.required ?? []);
    const fields: CheckField[] = [];
    for (const [name, schema] of Object.entries(option.properties ?? {})) {
      if (name === 'type' || name === 'check') continue;
      const { kind, options, description } = kindOf(schema, defs);
      fields.push({
        name,
        label: LABELS[name] ?? humanize(name),
        kind,
        required: required.has(name),
        ...(schema.default !== undefined ? { default: schema.default } : {}),
        ...(options ? { options } : {}),
        help: HELP[`${check}.${name}`] ?? HELP[name] ?? description ?? schema.description,
      });
    }
    specs.set(check, { check, label: CHECK_LABELS[check] ?? humanize(check), description: option.description ?? '', fields });
  }
  return specs;
}

let specs: Map<string, CheckSpec> | undefined;

/** The form of one check (undefined for an unknown check). */
export function checkSpec(check: string): CheckSpec | undefined {
  specs ??= buildSpecs();
  return specs.get(check);
}

/** Every check, in the schema's order. */
export function allChecks(): CheckSpec[] {
  return CODE_CHECKS.map((c) => checkSpec(c)!);
}

/** A config value as the form shows it. */
function toText(field: CheckField, value: unknown): string | boolean {
  if (value === undefined || value === null) return field.kind === 'boolean' ? false : '';
  switch (field.kind) {
    case 'boolean':
      return value === true;
    case 'texts':
      return Array.isArray(value) ? value.join('\n') : String(value);
    case 'json':
      return JSON.stringify(value, null, 2);
    default:
      return String(value);
  }
}

/** Form values for a config of `check` (an existing one, or starters for a new one), defaults filling the gaps. */
export function checkValues(check: string, config?: Record<string, unknown>): CheckValues {
  const spec = checkSpec(check);
  if (!spec) return {};
  const source = config ?? CHECK_STARTERS[check] ?? {};
  const out: CheckValues = {};
  for (const f of spec.fields) out[f.name] = toText(f, source[f.name] !== undefined ? source[f.name] : f.default);
  return out;
}

/** The config a form describes, or the fields it cannot read (bad numbers, bad JSON). */
export function buildCheckConfig(check: string, values: CheckValues): { config: Record<string, unknown>; errors: Record<string, string> } {
  const spec = checkSpec(check);
  const config: Record<string, unknown> = { type: 'code', check };
  const errors: Record<string, string> = {};
  for (const f of spec?.fields ?? []) {
    const raw = values[f.name];
    if (f.kind === 'boolean') {
      config[f.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') continue;
    if (f.kind === 'number' || f.kind === 'integer') {
      const n = Number(text);
      if (!Number.isFinite(n)) errors[f.name] = 'must be a number';
      else config[f.name] = n;
    } else if (f.kind === 'json') {
      try {
        config[f.name] = JSON.parse(text);
      } catch {
        // `expected` for text checks is often plain text: take it as a string.
        if (f.name === 'expected' && check === 'exact_match') config[f.name] = typeof raw === 'string' ? raw : text;
        else errors[f.name] = 'is not valid JSON';
      }
    } else if (f.kind === 'texts') {
      const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
      config[f.name] = lines.length === 1 ? lines[0] : lines;
    } else config[f.name] = text;
  }
  return { config, errors };
}

/**
 * Problems with a whole evaluator config, by path below `config` ("pattern",
 * "prompt.user", "" for the config as a whole), from the schema the API validates with.
 */
export function configProblems(config: unknown): Record<string, string> {
  const parsed = EvaluatorConfig.safeParse(config);
  if (parsed.success) return {};
  const out: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String).join('.');
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    out[path] ??= missing ? 'required' : issue.message;
  }
  return out;
}
