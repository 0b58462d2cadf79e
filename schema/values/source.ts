/**
 * The value-source language: where a check or a judge variable reads its value from a
 * trace, e.g. `output`, `input.messages.-1.content`, `trace.metadata.reference`,
 * `trajectory`, `feedback.outcome.score`. The grammar and its zod type (for wire
 * schemas); schema/values/read.ts reads a source out of a trace. Reference:
 * docs/evaluators.md.
 */
import { z } from 'zod';

/** Fields of the evaluated target (the trace's root span, or the span being evaluated). */
const TARGET_FIELDS = ['input', 'output', 'metadata', 'error', 'name'] as const;
/** Feedback parts `feedback.<key>.<part>` can read (default: the score, else the value). */
const FEEDBACK_PARTS = ['score', 'value', 'comment', 'correction'] as const;

/** Fields of the dataset example a run belongs to (experiment runs only). */
const EXAMPLE_FIELDS = ['inputs', 'outputs', 'criteria', 'expected_trajectory', 'metadata'] as const;

/** A parsed value source. `path` walks into JSON: object keys, array indexes (-1 = last). */
export type ParsedSource =
  | { root: 'example'; field: (typeof EXAMPLE_FIELDS)[number]; path: string[] }
  | { root: 'first'; options: ParsedSource[] }
  | { root: 'target'; field: (typeof TARGET_FIELDS)[number]; path: string[] }
  | { root: 'trace'; field: (typeof TARGET_FIELDS)[number]; path: string[] }
  | { root: 'trajectory' }
  | { root: 'conversation' }
  | { root: 'retrieved_context' }
  | { root: 'correction'; path: string[] }
  | { root: 'feedback'; key: string; part: (typeof FEEDBACK_PARTS)[number] | null };

/**
 * Parses a value source such as `output`, `input.messages.-1.content`,
 * `trace.metadata.reference`, `trajectory`, `retrieved_context`, `correction` or
 * `feedback.outcome.score`. Returns an error sentence for anything else.
 */
export function parseValueSource(text: string): ParsedSource | string {
  // `a|b`: the first alternative the subject carries, e.g. `example.outputs|trace.metadata.reference`
  // reads the experiment's example when the trace is an experiment run, else the trace's own reference.
  if (text.includes('|')) {
    const options: ParsedSource[] = [];
    for (const alt of text.split('|')) {
      const p = parseValueSource(alt.trim());
      if (typeof p === 'string') return `'${alt.trim()}' ${p}`;
      options.push(p);
    }
    return { root: 'first', options };
  }
  const parts = text.split('.');
  if (parts.some((p) => p === '')) return 'has an empty segment';
  const [head, ...rest] = parts;
  const isField = (s: string | undefined): s is (typeof TARGET_FIELDS)[number] => (TARGET_FIELDS as readonly string[]).includes(s ?? '');
  if (isField(head)) return { root: 'target', field: head, path: rest };
  if (head === 'trace') {
    if (!isField(rest[0])) return `trace.<field> takes one of ${TARGET_FIELDS.join(', ')}`;
    return { root: 'trace', field: rest[0], path: rest.slice(1) };
  }
  if (head === 'trajectory' || head === 'retrieved_context' || head === 'conversation') {
    if (rest.length) return `${head} takes no path`;
    return { root: head };
  }
  if (head === 'correction') return { root: 'correction', path: rest };
  if (head === 'feedback') {
    if (!rest[0]) return 'feedback.<key> needs a key';
    if (rest.length > 2) return 'feedback.<key>.<part> has at most one part';
    const part = rest[1] ?? null;
    if (part !== null && !(FEEDBACK_PARTS as readonly string[]).includes(part)) return `feedback.<key>.<part> takes one of ${FEEDBACK_PARTS.join(', ')}`;
    return { root: 'feedback', key: rest[0], part: part as (typeof FEEDBACK_PARTS)[number] | null };
  }
  if (head === 'example') {
    const field = rest[0];
    if (!(EXAMPLE_FIELDS as readonly string[]).includes(field ?? '')) return `example.<field> takes one of ${EXAMPLE_FIELDS.join(', ')}`;
    if ((field === 'criteria') && rest.length > 1) return 'example.criteria takes no path';
    return { root: 'example', field: field as (typeof EXAMPLE_FIELDS)[number], path: rest.slice(1) };
  }
  return `unknown source '${head}': use input, output, metadata, error, name, trace.<field>, trajectory, conversation, retrieved_context, correction, feedback.<key> or example.<field>`;
}

/** Where a value comes from; see parseValueSource. */
export const ValueSource = z
  .string()
  .min(1)
  .max(256)
  .superRefine((text, ctx) => {
    const parsed = parseValueSource(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `'${text}' ${parsed}` });
  })
  .meta({
    id: 'ValueSource',
    description:
      'Where a value is read from: `input`, `output`, `metadata`, `error`, `name` (of the evaluated trace root or span, with an optional JSON path like `output.answer` or `input.messages.-1.content`), `trace.<field>` (the trace root even when evaluating a span), `trajectory` (the rendered steps), `conversation` (the turns of a thread, input and output each, in order, within the trajectory budget of the judge; a lone trace is a one-turn conversation), `retrieved_context` (outputs of retriever spans), `correction` (the latest correction feedback), `feedback.<key>[.score|.value|.comment|.correction]`, `example.<inputs|outputs|criteria|expected_trajectory|metadata>` (the dataset example of an experiment run). Alternatives separated by `|` read the first one present, e.g. `example.outputs|trace.metadata.reference`.',
    example: 'trace.metadata.reference',
  });
