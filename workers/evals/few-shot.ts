/**
 * Few-shot from people: a judge with `few_shot` gets up to k examples people labelled
 * (feedback source=human under its key) in its prompt, so their corrections teach it
 * directly. Examples come from trace previews in D1 (no R2 reads per judge call), are
 * chosen by recency or by word overlap with the judged trace's input, never include the
 * judged trace itself (its own label would leak the answer), and stop at the token budget.
 */
import { z } from 'zod';
import type { FewShot, JudgeOutput } from '../../schema/wire/evaluators.ts';
import { estimateTokens } from '../../schema/render/trajectory.ts';
import { dbFor } from '../platform/db.ts';

type FewShotConfig = z.output<typeof FewShot>;

/** Labelled traces read per evaluator and batch: the pool examples are chosen from. */
const POOL_SIZE = 200;

/** One human-labelled trace, as an example. */
export interface FewShotExample {
  traceId: string;
  input: string;
  output: string;
  score: number | null;
  value: unknown;
  comment: string | null;
  at: number;
}

/** The newest human-labelled traces under `key` (one label per trace: the newest). */
export async function fewShotPool(env: Env, projectId: string, key: string): Promise<FewShotExample[]> {
  const { results } = await dbFor(env, projectId)
    .prepare(
      `SELECT f.trace_id, f.score, f.value, f.comment, f.created_at, t.input_preview, t.output_preview FROM feedback f
         JOIN traces t ON t.project_id = f.project_id AND t.trace_id = f.trace_id
        WHERE f.project_id = ? AND f.source = 'human' AND f.key = ? AND f.span_id IS NULL
        ORDER BY f.created_at DESC LIMIT ${POOL_SIZE * 2}`,
    )
    .bind(projectId, key)
    .all<{ trace_id: string; score: number | null; value: string | null; comment: string | null; created_at: number; input_preview: string | null; output_preview: string | null }>();
  const seen = new Set<string>();
  const pool: FewShotExample[] = [];
  for (const r of results) {
    if (seen.has(r.trace_id) || pool.length >= POOL_SIZE) continue;
    seen.add(r.trace_id);
    let value: unknown = null;
    try {
      value = r.value === null ? null : JSON.parse(r.value);
    } catch {
      value = r.value;
    }
    pool.push({ traceId: r.trace_id, input: r.input_preview ?? '', output: r.output_preview ?? '', score: r.score, value, comment: r.comment, at: r.created_at });
  }
  return pool;
}

const words = (t: string) => new Set(t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

/** Jaccard overlap of two texts' word sets. */
export function similarity(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  if (!x.size || !y.size) return 0;
  let both = 0;
  for (const w of x) if (y.has(w)) both++;
  return both / (x.size + y.size - both);
}

/** The label as the judge would answer it: a boolean verdict, a category, or a number. */
function verdictText(e: FewShotExample, output: JudgeOutput): string {
  if (output.type === 'boolean') {
    if (typeof e.value === 'boolean') return String(e.value);
    if (e.score !== null) return String(e.score >= 0.5);
  }
  if (output.type === 'category' && typeof e.value === 'string') return e.value;
  if (e.score !== null) return String(e.score);
  return JSON.stringify(e.value);
}

/** One example as prompt text. */
export function renderExample(e: FewShotExample, output: JudgeOutput): string {
  return [
    '<example>',
    `<input>\n${e.input}\n</input>`,
    `<output>\n${e.output}\n</output>`,
    `<verdict>${verdictText(e, output)}</verdict>`,
    ...(e.comment ? [`<reviewer_note>\n${e.comment}\n</reviewer_note>`] : []),
    '</example>',
  ].join('\n');
}

/**
 * Up to k examples from the pool for one judged trace, most recent or most similar first,
 * each added only while the running total stays within the budget (a long example is
 * skipped so shorter ones after it can still fit).
 */
export function chooseExamples(pool: FewShotExample[], cfg: FewShotConfig, output: JudgeOutput, subject: { traceId: string; input: string }): string[] {
  const candidates = pool.filter((e) => e.traceId !== subject.traceId);
  if (cfg.select === 'similar') {
    const scored = candidates.map((e) => ({ e, s: similarity(subject.input, e.input) }));
    scored.sort((a, b) => b.s - a.s || b.e.at - a.e.at);
    candidates.splice(0, candidates.length, ...scored.map((x) => x.e));
  }
  const chosen: string[] = [];
  let tokens = 0;
  for (const e of candidates) {
    if (chosen.length >= cfg.k) break;
    const text = renderExample(e, output);
    const t = estimateTokens(text);
    if (tokens + t > cfg.max_tokens) continue;
    chosen.push(text);
    tokens += t;
  }
  return chosen;
}

/** The examples block put in the prompt. */
export function examplesBlock(examples: string[]): string {
  if (!examples.length) return '';
  return `Examples people labelled (follow their judgement):\n\n${examples.join('\n\n')}`;
}
