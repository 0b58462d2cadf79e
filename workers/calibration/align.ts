/**
 * Aligning a judge: run a draft (a changed prompt, model or template) or a saved version
 * over the items people labelled, writing nothing (no scores, no run log, no judge
 * traces), and answer its agreement beside the current version's on the same items, with
 * the items whose verdict changed. The current version's labels are its stored scores;
 * items it never scored are run now (also unwritten). Malformed answers and other failures
 * are counted as errors, never as agreement or disagreement. With a gate on the evaluator,
 * measuring a saved version decides whether rules switch to it (gates.ts).
 */
import type { z } from 'zod';
import type { Label } from '../stats/index.ts';
import type { AlignIn, AlignOut, LabelType } from '../../schema/wire/calibration.ts';
import type { TraceTree } from '../../schema/wire/trace.ts';
import { EvaluatorPatch } from '../../schema/wire/evaluators.ts';
import { getEvaluator, patchedDraft, type EvaluatorVersion } from '../evals/evaluators.ts';
import { RunContext, evaluate, type Evaluation } from '../evals/run.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError, fromZodError } from '../platform/errors.ts';
import { INTERACTIVE_POLICY } from '../platform/outbound.ts';
import { getTraces } from '../store/trace-query.ts';
import { agreementStats, comparison, consensus, evaluatorLabelType, itemKey, labelsDiffer, toLabel, type Row } from './agreement.ts';
import { decideCandidate, loadGate } from './gates.ts';

/** Human feedback rows read to build the set (newest first). */
const MAX_HUMAN_ROWS = 20_000;
/** Traces loaded at once (Workers: 128 MB; trees hold payloads). */
const TRACES_PER_CHUNK = 25;
/** Evaluations in flight; providers bound themselves further (Workers: 6 open connections). */
const CONCURRENCY = 8;
/** Errors listed by example (all are counted). */
const ERROR_EXAMPLES = 20;

/** One human-labelled item of the set. */
export interface LabelledItem {
  traceId: string;
  spanId: string | null;
  human: Label;
  at: number;
}

/** The newest `limit` items people labelled under `humanKey`, each with their consensus label. */
export async function labelledItems(env: Env, projectId: string, humanKey: string, type: LabelType, threshold: number | undefined, limit: number): Promise<LabelledItem[]> {
  const { results } = await dbFor(env, projectId)
    .prepare(`SELECT id, trace_id, span_id, key, score, value, evaluator_version, created_at FROM feedback WHERE project_id = ? AND source = 'human' AND key = ? ORDER BY created_at DESC LIMIT ${MAX_HUMAN_ROWS}`)
    .bind(projectId, humanKey)
    .all<Row>();
  const byItem = new Map<string, { traceId: string; spanId: string | null; labels: { label: Label; at: number }[] }>();
  for (const r of results) {
    const label = toLabel(r, type, threshold);
    if (label === null) continue;
    if (typeof label === 'object') throw new ApiError(400, 'incompatible_keys', `human key '${humanKey}' holds ${label.incompatible}, not ${type} labels`, threshold === undefined && type === 'boolean' ? 'threshold' : 'human_key');
    const k = itemKey(r.trace_id, r.span_id);
    let item = byItem.get(k);
    if (!item) {
      if (byItem.size >= limit) continue;
      byItem.set(k, (item = { traceId: r.trace_id, spanId: r.span_id, labels: [] }));
    }
    item.labels.push({ label, at: r.created_at });
  }
  return [...byItem.values()].map((i) => ({ traceId: i.traceId, spanId: i.spanId, human: consensus(i.labels, type), at: Math.max(...i.labels.map((l) => l.at)) }));
}

type Outcome = { label: Label; reasoning: string | null } | { error_code: string; error: string };

/** Runs `ev` on every item (trees loaded a chunk at a time), answering each item's label or error. */
async function runOver(env: Env, projectId: string, ev: EvaluatorVersion, items: LabelledItem[], asLabel: (e: Evaluation) => Outcome): Promise<Outcome[]> {
  const ctx = new RunContext(env, projectId, INTERACTIVE_POLICY);
  const out: Outcome[] = new Array(items.length);
  for (let start = 0; start < items.length; start += TRACES_PER_CHUNK) {
    const chunk = items.slice(start, start + TRACES_PER_CHUNK);
    const trees = await getTraces(env, projectId, chunk.map((i) => i.traceId));
    let next = 0;
    const worker = async () => {
      while (next < chunk.length) {
        const i = next++;
        const item = chunk[i];
        const tree: TraceTree | undefined = trees.get(item.traceId);
        if (!tree) {
          out[start + i] = { error_code: 'trace_not_found', error: `trace '${item.traceId}' is no longer in this project` };
          continue;
        }
        const span = item.spanId ? (tree.spans.find((s) => s.id === item.spanId) ?? null) : null;
        if (item.spanId && !span) {
          out[start + i] = { error_code: 'trace_not_found', error: `span '${item.spanId}' is no longer in trace '${item.traceId}'` };
          continue;
        }
        out[start + i] = asLabel(await evaluate(ctx, ev, { tree, span }, `align:${ev.id}:${ev.version}:${item.traceId}:${item.spanId ?? ''}`));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chunk.length) }, worker));
  }
  return out;
}

function errorsOf(items: LabelledItem[], outcomes: Outcome[]) {
  const by_code: Record<string, number> = {};
  const examples: { trace_id: string; span_id: string | null; error_code: string; error: string }[] = [];
  outcomes.forEach((o, i) => {
    if (!('error_code' in o)) return;
    by_code[o.error_code] = (by_code[o.error_code] ?? 0) + 1;
    if (examples.length < ERROR_EXAMPLES) examples.push({ trace_id: items[i].traceId, span_id: items[i].spanId, error_code: o.error_code, error: o.error });
  });
  return { count: Object.values(by_code).reduce((a, b) => a + b, 0), by_code, examples };
}

/** Runs an alignment of evaluator `id`. */
export async function alignEvaluator(env: Env, projectId: string, id: string, body: z.output<typeof AlignIn>, actor: string | null): Promise<AlignOut> {
  if ((body.draft === undefined) === (body.version === undefined)) throw new ApiError(400, 'invalid_request', 'draft: give either `draft` (changes to try) or `version` (a saved version), not both or neither', body.draft === undefined ? 'draft' : 'version');
  const gate = await loadGate(env, projectId, id);
  // The current version is what rules run: the gate's live version, else the newest.
  const current = await getEvaluator(env, projectId, id, gate?.live_version);
  let candidate: EvaluatorVersion;
  if (body.draft) {
    const patch = EvaluatorPatch.safeParse(body.draft);
    if (!patch.success) throw fromZodError(patch.error, 'draft');
    candidate = await patchedDraft(env, projectId, id, patch.data, 'draft');
  } else {
    candidate = await getEvaluator(env, projectId, id, body.version);
  }
  const opts = await comparison(env, projectId, id, body);
  const nativeType = evaluatorLabelType(current.config, current.kind);
  const type = opts.type ?? nativeType;
  const humanKey = opts.human_key ?? current.key;
  const items = await labelledItems(env, projectId, humanKey, type, opts.threshold, body.limit);
  if (!items.length) throw new ApiError(400, 'empty_set', `nothing to align against: no human labels under key '${humanKey}' (source human) in this project`, 'human_key');

  // A verdict as a label of the compared type; one that cannot be (a draft changed its output type) is an error.
  const asLabel = (ev: EvaluatorVersion) => {
    const native = evaluatorLabelType(ev.config, ev.kind);
    return (e: Evaluation): Outcome => {
      if (!e.verdict) return { error_code: e.error?.code ?? 'internal', error: e.error?.message ?? 'the evaluator produced neither a score nor an error' };
      const label = toLabel({ score: e.verdict.score, value: e.verdict.value === undefined ? null : JSON.stringify(e.verdict.value) }, type, opts.threshold, native === 'boolean');
      if (label === null || typeof label === 'object') return { error_code: 'incompatible_answer', error: `the answer is not a ${type} label${label ? `: it holds ${label.incompatible}` : ''}` };
      return { label, reasoning: e.verdict.comment ?? null };
    };
  };

  // The current version's stored scores on these items; the rest are run now.
  const stored = await dbFor(env, projectId)
    .prepare(
      `SELECT f.trace_id, f.span_id, f.score, f.value, f.comment FROM json_each(?3) k CROSS JOIN feedback f
        WHERE f.project_id = ?1 AND f.evaluator_id = ?2 AND f.source = 'evaluator' AND f.evaluator_version = ?4 AND f.trace_id = k.value ->> 0 AND COALESCE(f.span_id, '') = k.value ->> 1`,
    )
    .bind(projectId, id, JSON.stringify(items.map((i) => [i.traceId, i.spanId ?? ''])), current.version)
    .all<{ trace_id: string; span_id: string | null; score: number | null; value: string | null; comment: string | null }>();
  const storedOf = new Map(stored.results.map((r) => [itemKey(r.trace_id, r.span_id), r]));
  const currentOut: Outcome[] = new Array(items.length);
  const missing: number[] = [];
  items.forEach((item, i) => {
    const r = storedOf.get(itemKey(item.traceId, item.spanId));
    if (!r) return missing.push(i);
    const label = toLabel(r, type, opts.threshold, nativeType === 'boolean');
    currentOut[i] = label === null || typeof label === 'object' ? { error_code: 'incompatible_answer', error: `the stored score is not a ${type} label` } : { label, reasoning: r.comment };
  });
  const [rerun, draftOut] = await Promise.all([
    missing.length ? runOver(env, projectId, current, missing.map((i) => items[i]), asLabel(current)) : Promise.resolve([] as Outcome[]),
    runOver(env, projectId, candidate, items, asLabel(candidate)),
  ]);
  missing.forEach((i, j) => (currentOut[i] = rerun[j]));

  const statsOf = (outcomes: Outcome[]) =>
    agreementStats(
      type,
      outcomes.flatMap((o, i) => ('label' in o ? [{ judge: o.label, human: items[i].human }] : [])),
      opts.tolerance,
    );
  const currentStats = statsOf(currentOut);
  const draftStats = statsOf(draftOut);
  const changed = items.flatMap((item, i) => {
    const c = currentOut[i];
    const d = draftOut[i];
    if (!('label' in c) || !('label' in d) || !labelsDiffer(type, c.label, d.label, opts.tolerance)) return [];
    return [
      {
        trace_id: item.traceId,
        span_id: item.spanId,
        human: item.human,
        current: c,
        draft: d,
        now_agrees: !labelsDiffer(type, d.label, item.human, opts.tolerance) && labelsDiffer(type, c.label, item.human, opts.tolerance),
        link: `/traces/${encodeURIComponent(item.traceId)}${item.spanId ? `?span=${encodeURIComponent(item.spanId)}` : ''}`,
      },
    ];
  });

  const decision = body.version !== undefined ? await decideCandidate(env, projectId, id, { version: candidate.version, candidate: draftStats, live: currentStats, liveVersion: current.version }, actor) : null;
  return {
    evaluator_id: id,
    type,
    human_key: humanKey,
    items: items.length,
    current: { version: current.version, stats: currentStats, rerun: missing.length, errors: errorsOf(items, currentOut) },
    draft: { version: body.version ?? null, stats: draftStats, errors: errorsOf(items, draftOut) },
    changed: changed.slice(0, body.changed),
    changed_count: changed.length,
    gate: decision,
  };
}
