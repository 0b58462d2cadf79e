/**
 * An example as the editor holds it: one text per field (JSON for inputs, outputs,
 * expected_trajectory and metadata; plain text for criteria; comma-separated tags and
 * splits), turned into the API's ExampleWrite with per-field errors, and the API's 4xx
 * (`error.path` like `examples[0].inputs.question`) mapped back to the field it names.
 */
import type { Example, ExampleWrite } from '../../../schema/wire/datasets.ts';

export const EXAMPLE_FIELDS = ['inputs', 'outputs', 'criteria', 'expected_trajectory', 'metadata', 'tags', 'splits'] as const;
export type ExampleField = (typeof EXAMPLE_FIELDS)[number];

export type ExampleDraft = Record<ExampleField, string>;
export type FieldErrors = Partial<Record<ExampleField, string>>;

const pretty = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v, null, 2));

/** The draft of a new example, or of an existing one (its current values). */
export function draftOf(e?: Partial<Pick<Example, ExampleField>>): ExampleDraft {
  return {
    inputs: pretty(e?.inputs ?? {}),
    outputs: pretty(e?.outputs),
    criteria: e?.criteria ?? '',
    expected_trajectory: pretty(e?.expected_trajectory),
    metadata: pretty(e?.metadata ?? {}),
    tags: (e?.tags ?? []).join(', '),
    splits: (e?.splits ?? ['base']).join(', '),
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function parseJson(text: string, field: ExampleField, errors: FieldErrors): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    errors[field] = `not valid JSON (${(err as Error).message})`;
    return undefined;
  }
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The draft as the fields of an ExampleWrite, or the errors found before sending it
 * (JSON that does not parse, an object field that is not an object). Schema checks are
 * the API's: its 400 comes back through `fieldOfPath`.
 */
export function parseDraft(d: ExampleDraft): { value?: Omit<ExampleWrite, 'id' | 'source'>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const inputs = parseJson(d.inputs.trim() || '{}', 'inputs', errors);
  if (!errors.inputs && !isObject(inputs)) errors.inputs = 'must be a JSON object';
  const outputs = d.outputs.trim() ? parseJson(d.outputs, 'outputs', errors) : null;
  if (!errors.outputs && outputs !== null && !isObject(outputs)) errors.outputs = 'must be a JSON object (or empty for none)';
  const trajectory = d.expected_trajectory.trim() ? parseJson(d.expected_trajectory, 'expected_trajectory', errors) : null;
  if (!errors.expected_trajectory && trajectory !== null && !Array.isArray(trajectory)) errors.expected_trajectory = 'must be a JSON list of tool calls, e.g. [{"name": "search", "args": {}}]';
  const metadata = parseJson(d.metadata.trim() || '{}', 'metadata', errors);
  if (!errors.metadata && !isObject(metadata)) errors.metadata = 'must be a JSON object';
  const splits = list(d.splits);
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    value: {
      inputs: inputs as Record<string, unknown>,
      outputs: outputs as Record<string, unknown> | null,
      criteria: d.criteria.trim() ? d.criteria : null,
      expected_trajectory: trajectory as ExampleWrite['expected_trajectory'],
      metadata: metadata as Record<string, unknown>,
      tags: list(d.tags),
      splits: splits.length ? splits : ['base'],
    },
  };
}

/**
 * Which field an API error path names, and the rest of the path inside it:
 * `examples[0].inputs.question` -> inputs, `question`; `outputs` -> outputs, ``.
 */
export function fieldOfPath(path: string | undefined): { field: ExampleField; at: string } | null {
  if (!path) return null;
  const rest = path.replace(/^examples\[\d+\]\.?/, '').replace(/^example\./, '');
  const m = /^([a-z_]+)(.*)$/.exec(rest);
  if (!m || !(EXAMPLE_FIELDS as readonly string[]).includes(m[1])) return null;
  return { field: m[1] as ExampleField, at: m[2].replace(/^\./, '') };
}

/** The expected tool calls a trace carries (the demo's `metadata.expected_actions`), as an example's expected_trajectory. */
export function trajectoryFromMetadata(metadata: Record<string, unknown> | undefined): ExampleWrite['expected_trajectory'] {
  let raw = metadata?.expected_actions ?? metadata?.expected_trajectory;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!Array.isArray(raw)) return null;
  const calls = raw.filter((c): c is Record<string, unknown> => isObject(c) && typeof (c as { name?: unknown }).name === 'string');
  if (!calls.length) return null;
  return calls.map((c) => ({ name: c.name as string, ...('args' in c || 'kwargs' in c || 'arguments' in c ? { args: c.args ?? c.kwargs ?? c.arguments } : {}) }));
}

/** A span payload as example inputs/outputs: objects as they are, anything else under `key` (as the API's from-trace does). */
export function payloadObject(v: unknown, key: string): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  return isObject(v) ? (v as Record<string, unknown>) : { [key]: v };
}
