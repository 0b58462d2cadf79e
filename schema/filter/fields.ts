/**
 * The fields a filter can name: one table that drives validation, compilation,
 * autocomplete (web/ filter bar, CLI) and the reference in docs/filter-language.md.
 */
import { SPAN_KINDS, SPAN_STATUSES } from '../wire/span.ts';

/** What a filter runs against: trace rows (`t`) or span rows (`s`). */
export type FilterTarget = 'traces' | 'spans';

/**
 * Where a field applies: traces and spans (compiled by compile.ts), and dataset examples
 * (compiled by workers/datasets/example-filter.ts). One language, one parser: a field
 * that does not apply where it is used is a FilterError naming where it does.
 */
export type FieldTarget = FilterTarget | 'examples';

/**
 * How a field's values are read.
 * - `string`: text; `= != ~ in`.
 * - `number`: numbers; `= != > >= < <= in`.
 * - `duration`: like number, with units (`250ms`, `5s`, `2m`, `1h`, `1d`, `1w`); a bare number is ms.
 * - `enum`: one of `values`; `= != in`.
 * - `boolean`: `true`/`false` (the `error` field also takes text, see its description).
 * - `keyed`: `<field>.<key>`, any value; numbers compare numerically, words as text.
 */
export type FieldType = 'string' | 'number' | 'duration' | 'enum' | 'boolean' | 'keyed';

/** One filterable field. */
export interface FilterField {
  name: string;
  targets: FieldTarget[];
  type: FieldType;
  values?: readonly string[];
  description: string;
  example: string;
}

const BOTH: FieldTarget[] = ['traces', 'spans'];
const WITH_EXAMPLES: FieldTarget[] = ['traces', 'spans', 'examples'];

/** Every field, in the order autocomplete offers them. */
export const FILTER_FIELDS: readonly FilterField[] = [
  { name: 'name', targets: BOTH, type: 'string', description: "The span's name; for a trace, its root span's name", example: 'name=search_flights' },
  { name: 'kind', targets: BOTH, type: 'enum', values: SPAN_KINDS, description: 'The span kind; for a trace, some span has this kind', example: 'kind=tool' },
  { name: 'status', targets: BOTH, type: 'enum', values: SPAN_STATUSES, description: 'ok, error or unset; a trace is error if any span failed, ok once its root ended, else unset', example: 'status=error' },
  { name: 'env', targets: BOTH, type: 'string', description: 'The environment (production, staging, ...)', example: 'env=production' },
  { name: 'release', targets: BOTH, type: 'string', description: 'The release or version of the agent', example: 'release=v1.4.2' },
  { name: 'model', targets: BOTH, type: 'string', description: "The model an LLM span called; for a trace, some span used it", example: 'model=gpt-4o' },
  { name: 'tag', targets: WITH_EXAMPLES, type: 'string', description: "A tag (a trace carries the tags of all its spans; an example, its own)", example: 'tag=checkout' },
  { name: 'session', targets: BOTH, type: 'string', description: 'The session (conversation) id', example: 'session=s-42' },
  { name: 'user', targets: BOTH, type: 'string', description: 'The end-user id', example: 'user=u-17' },
  { name: 'latency', targets: BOTH, type: 'duration', description: 'Duration; units ms s m h d w, a bare number is milliseconds', example: 'latency>5s' },
  { name: 'tokens', targets: BOTH, type: 'number', description: 'Total tokens (for a trace, summed over its LLM calls)', example: 'tokens>10000' },
  { name: 'cost', targets: BOTH, type: 'number', description: 'Cost in USD (for a trace, summed over its LLM calls)', example: 'cost>0.05' },
  { name: 'error', targets: BOTH, type: 'boolean', values: ['true', 'false'], description: 'error=true|false: failed or not; error~text / error="text": the error message (for a trace, of some span)', example: 'error~timeout' },
  { name: 'trace', targets: WITH_EXAMPLES, type: 'string', description: 'The trace id (for an example, the trace it came from)', example: 'trace=4bf92f3577b34da6' },
  { name: 'metadata', targets: WITH_EXAMPLES, type: 'keyed', description: "A metadata key (for a trace, its root span's metadata; for an example, its own)", example: 'metadata.customer_tier=gold' },
  { name: 'feedback', targets: BOTH, type: 'keyed', description: 'Feedback or a score by key: numbers and true/false compare the score, words the value', example: 'feedback.thumbs=0' },
  { name: 'score', targets: BOTH, type: 'keyed', description: 'Same as feedback.<key>', example: 'score.helpfulness<0.5' },
  { name: 'split', targets: ['examples'], type: 'string', description: 'Dataset examples only: a split the example is in (train, test, ...)', example: 'split=test' },
  { name: 'source', targets: ['examples'], type: 'enum', values: ['trace', 'review', 'manual'], description: 'Dataset examples only: where it came from (a trace, a review queue, or written by hand or imported)', example: 'source=review' },
  { name: 'insight', targets: BOTH, type: 'keyed', description: 'In a cluster or pattern of an Insights report: insight.<report>=<cluster> (= != in, not in)', example: 'insight.ir_2b7c9d=p1' },
];

const BY_NAME = new Map(FILTER_FIELDS.map((f) => [f.name, f]));

/** The field called `name` (case-insensitive), if any. */
export function findField(name: string): FilterField | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Names people bring from LangSmith, Langfuse or SQL, mapped to ours for "did you mean". */
const ALIASES: Record<string, string> = {
  environment: 'env', session_id: 'session', user_id: 'user', trace_id: 'trace', tags: 'tag',
  duration: 'latency', run_type: 'kind', type: 'kind', total_tokens: 'tokens', cost_usd: 'cost',
  total_cost: 'cost', version: 'release', scores: 'score', meta: 'metadata', error_message: 'error',
};

/** The known field a misspelt `name` most likely meant, for "did you mean" hints. */
export function nearestField(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (ALIASES[lower]) return ALIASES[lower];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const f of FILTER_FIELDS) {
    const d = editDistance(lower, f.name);
    if (d < bestDistance) (best = f.name), (bestDistance = d);
  }
  // Beyond about a third of the word, a suggestion is more noise than help.
  return bestDistance <= Math.max(1, Math.floor(lower.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
