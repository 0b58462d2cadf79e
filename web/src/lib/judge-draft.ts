/**
 * LLM judge definitions in words and as form state: what each value source reads, what an
 * output contract means, which {{variables}} a prompt uses, and the form <-> config
 * conversion. Plain logic, shared by the evaluator editor, the template picker and the
 * read-only views.
 */
import type { JudgeOutput } from '../../../schema/wire/evaluators.ts';
import { parseValueSource } from '../../../schema/values/source.ts';

/** Sources offered as suggestions in source inputs. */
export const SOURCE_SUGGESTIONS: { source: string; detail: string }[] = [
  { source: 'input', detail: 'input of the trace root (or span)' },
  { source: 'output', detail: 'output of the trace root (or span)' },
  { source: 'trajectory', detail: 'the rendered steps: LLM messages, tool calls and results' },
  { source: 'retrieved_context', detail: 'outputs of retriever spans' },
  { source: 'conversation', detail: 'every turn of the thread (thread rules)' },
  { source: 'trace.metadata.reference', detail: 'a reference answer in the trace metadata' },
  { source: 'trace.metadata.criteria', detail: 'per-example criteria in the trace metadata' },
  { source: 'trace.metadata.expected_actions', detail: 'expected tool calls in the trace metadata' },
  { source: 'correction', detail: "a reviewer's latest correction" },
  { source: 'metadata', detail: 'metadata of the trace (or span)' },
  { source: 'error', detail: 'error of the trace root (or span)' },
  { source: 'input.messages.-1.content', detail: 'the last input message' },
  { source: 'trace.input', detail: 'the trace root input, even for span targets' },
  { source: 'trace.output', detail: 'the trace root output, even for span targets' },
];

const FIELD_WORDS: Record<string, string> = { input: 'input', output: 'output', metadata: 'metadata', error: 'error', name: 'name' };

/** What a value source reads, in words; an error sentence for a bad source. */
export function describeSource(text: string): { ok: boolean; text: string } {
  if (!text.trim()) return { ok: false, text: 'empty: say where the value comes from' };
  const p = parseValueSource(text.trim());
  if (typeof p === 'string') return { ok: false, text: p };
  const at = (path: string[]) => (path.length ? ` at ${path.join('.')}` : '');
  switch (p.root) {
    case 'target':
      return { ok: true, text: `the ${FIELD_WORDS[p.field]}${at(p.path)} of the evaluated trace root (or span)` };
    case 'trace':
      return { ok: true, text: `the trace root's ${FIELD_WORDS[p.field]}${at(p.path)}, even when a span is evaluated` };
    case 'trajectory':
      return { ok: true, text: 'the rendered trajectory: LLM messages, tool calls with arguments and results, within the token budget' };
    case 'conversation':
      return { ok: true, text: "the thread's turns in order (user input, assistant output), within the token budget: for thread rules; a lone trace is one turn" };
    case 'retrieved_context':
      return { ok: true, text: 'the outputs of retriever spans, as numbered documents' };
    case 'correction':
      return { ok: true, text: `the latest correction given as feedback${at(p.path)}` };
    case 'feedback':
      return { ok: true, text: `the ${p.part ?? 'score (else value)'} of the latest '${p.key}' feedback` };
    case 'example':
      return { ok: true, text: `the ${p.field}${at(p.path)} of the dataset example (experiment runs only)` };
    case 'first':
      return { ok: true, text: `the first present of: ${text.trim().split('|').map((t) => describeSource(t).text).join('; ')}` };
  }
}

/** What a judge must answer and how it is stored, in words. */
export function describeOutput(output: JudgeOutput): string {
  switch (output.type) {
    case 'boolean':
      return 'true or false, stored as score 1 or 0';
    case 'number':
      return `a number from ${output.min} to ${output.max}, stored as the score`;
    case 'category': {
      const scored = output.categories.map((c) => (output.scores?.[c] !== undefined ? `${c} (${output.scores[c]})` : c));
      return `one of ${scored.join(', ')}, stored as the value${output.scores ? ' with its score' : ''}`;
    }
  }
}

/** The {{names}} a prompt uses, in order of first use. */
export function promptVariables(...texts: string[]): string[] {
  const seen = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)) seen.add(m[1]);
  return [...seen];
}

/** A judge as the form holds it: texts for numbers, rows for variables and categories. */
export interface JudgeDraft {
  provider_id: string;
  model: string;
  system: string;
  user: string;
  variables: { name: string; source: string }[];
  output: { type: 'boolean' | 'number' | 'category'; min: string; max: string; categories: { name: string; score: string }[] };
  temperature: string;
  max_tokens: string;
  trajectory_max_tokens: string;
  timeout_ms: string;
}

const str = (v: unknown, fallback: string) => (v === undefined || v === null ? fallback : String(v));

/** Form state for a judge config (a template's, a saved one, or empty). */
export function judgeDraft(config: Record<string, unknown> = {}): JudgeDraft {
  const prompt = (config.prompt ?? {}) as { system?: string; user?: string };
  const output = (config.output ?? { type: 'boolean' }) as Partial<JudgeOutput> & { type: JudgeDraft['output']['type'] };
  const categories = output.type === 'category' ? (output.categories ?? []) : [];
  const scores = output.type === 'category' ? (output.scores ?? {}) : {};
  return {
    provider_id: str(config.provider_id, ''),
    model: str(config.model, ''),
    system: prompt.system ?? '',
    user: prompt.user ?? '',
    variables: Object.entries((config.variables ?? {}) as Record<string, string>).map(([name, source]) => ({ name, source })),
    output: {
      type: output.type,
      min: output.type === 'number' ? String(output.min ?? 0) : '0',
      max: output.type === 'number' ? String(output.max ?? 1) : '1',
      categories: categories.map((name) => ({ name, score: scores[name] === undefined ? '' : String(scores[name]) })),
    },
    temperature: str(config.temperature, '0'),
    max_tokens: str(config.max_tokens, '1024'),
    trajectory_max_tokens: str(config.trajectory_max_tokens, '4000'),
    timeout_ms: str(config.timeout_ms, '30000'),
  };
}

/** The judge config a draft describes (numbers parsed; validation is the schema's job). */
export function judgeConfig(d: JudgeDraft): Record<string, unknown> {
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const output: Record<string, unknown> = { type: d.output.type };
  if (d.output.type === 'number') Object.assign(output, { min: num(d.output.min), max: num(d.output.max) });
  if (d.output.type === 'category') {
    const cats = d.output.categories.filter((c) => c.name.trim());
    output.categories = cats.map((c) => c.name.trim());
    const scored = cats.filter((c) => c.score.trim() !== '');
    if (scored.length) output.scores = Object.fromEntries(scored.map((c) => [c.name.trim(), Number(c.score)]));
  }
  const config: Record<string, unknown> = {
    type: 'judge',
    provider_id: d.provider_id,
    prompt: { ...(d.system.trim() ? { system: d.system } : {}), user: d.user },
    variables: Object.fromEntries(d.variables.filter((v) => v.name.trim()).map((v) => [v.name.trim(), v.source.trim()])),
    output,
  };
  if (d.model.trim()) config.model = d.model.trim();
  for (const k of ['temperature', 'max_tokens', 'trajectory_max_tokens', 'timeout_ms'] as const) {
    const n = num(d[k]);
    if (n !== undefined) config[k] = n;
  }
  return config;
}
