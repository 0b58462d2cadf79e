/**
 * Examples from human review: a queue that names a dataset turns each finished item into an
 * example of it (the hub's dataset outbox calls `writeReviewExamples` when it flushes;
 * review/hub/dataset-examples.ts decides what an item hands over).
 *
 * - `inputs` are the trace's root input, copied (as for "Add to dataset"); `outputs` is the
 *   correction; `criteria` is what the reviewers wrote; `metadata.review` carries the final
 *   label, whether it was adjudicated, and every review's answers; `source` names the trace,
 *   the queue and the feedback row the correction landed in (`review_id`).
 * - One example per trace and dataset: an example already made from the trace (by a review
 *   or "Add to dataset") is updated in place, keeping its inputs; otherwise a new one gets an
 *   id derived from dataset and trace, so two flushes can never make two.
 * - Adjudicated labels win: an example set by an adjudication is not overwritten by a later
 *   item that was not adjudicated (say, the same trace in another queue).
 * - Idempotent: the outbox re-delivers after a lost answer or an eviction; an update that
 *   changes nothing writes nothing (no new version).
 * - A dataset that refuses the example for good (deleted, its schema rejects the
 *   correction, the trace is gone) is logged and skipped: retrying cannot help, and the
 *   outbox must not wait on it forever. Anything else (D1 busy, a concurrent version) throws
 *   so the outbox retries.
 */
import type { PendingExample } from '../review/hub/dataset-examples.ts';
import { finalMaterial, reviewMaterial } from '../review/hub/consensus.ts';
import { stableId } from '../platform/ids.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { getTraces } from '../store/trace-query.ts';
import { OPEN_VERSION } from '../../schema/db/datasets.ts';
import type { Example, ExampleWrite } from '../../schema/wire/datasets.ts';
import { exampleFromTrace } from './from-traces.ts';
import { addExamples, findDataset, getExample, mustFindDataset } from './examples.ts';
import type { DatasetPort } from '../review/dataset-port.ts';

/** A uuid (the example id format) derived from a string: the same dataset and trace always give the same id. */
async function derivedUuid(material: string): Promise<string> {
  const h = (await stableId('', material)).slice(0, 32).split('');
  h[12] = '5'; // version nibble: name-based
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16); // RFC 4122 variant
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** JSON with object keys sorted, so two equal states compare equal whatever order their keys were written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

const asOutputs = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { output: v });

/** The live example a trace already made in a dataset: the derived id first, then any other from the trace. */
async function existingFor(env: Env, projectId: string, datasetId: string, traceId: string, derivedId: string): Promise<Example | null> {
  const own = await getExample(env, projectId, datasetId, derivedId);
  if (own) return own;
  const r = await dbFor(env, projectId)
    .prepare(
      `SELECT example_id FROM dataset_example_revisions WHERE project_id = ? AND dataset_id = ? AND valid_to = ? AND archived = 0
          AND json_extract(source, '$.trace_id') = ? AND json_extract(source, '$.span_id') IS NULL ORDER BY created_at LIMIT 1`,
    )
    .bind(projectId, datasetId, OPEN_VERSION, traceId)
    .first<{ example_id: string }>();
  return r ? getExample(env, projectId, datasetId, r.example_id) : null;
}

/** Writes one finished item's example; false when it changed nothing. */
export async function writeReviewExample(env: Env, projectId: string, p: PendingExample): Promise<boolean> {
  const dataset = await mustFindDataset(env, projectId, p.dataset_id);
  const derivedId = await derivedUuid(`review-example\u0000${dataset.id}\u0000${p.trace_id}`);
  const prev = await existingFor(env, projectId, dataset.id, p.trace_id, derivedId);
  // A user archived it: removing a case is their call, and a re-delivery must not revive it.
  if (prev?.archived) return false;
  if (prev && (prev.metadata as any)?.review?.adjudicated === true && !p.adjudicated) return false;
  const reviewId = p.correction_from === 'adjudication'
    ? await stableId('hr_', finalMaterial(p.queue_id, p.trace_id, 'correction'))
    : p.correction_by
      ? await stableId('hr_', reviewMaterial(p.queue_id, p.trace_id, p.correction_by, 'correction'))
      : undefined;
  const review = {
    queue_id: p.queue_id,
    final: p.final,
    adjudicated: p.adjudicated,
    adjudicated_by: p.adjudicated_by,
    correction_from: p.correction_from,
    reviews: p.reviews,
    completed_at: new Date(p.completed_at).toISOString(),
  };
  let base: ExampleWrite;
  if (prev) {
    base = { inputs: prev.inputs, outputs: prev.outputs ?? null, criteria: prev.criteria ?? null, expected_trajectory: prev.expected_trajectory ?? null, metadata: prev.metadata, tags: prev.tags, splits: prev.splits, source: prev.source ?? null };
  } else {
    const tree = (await getTraces(env, projectId, [p.trace_id])).get(p.trace_id);
    if (!tree) throw new ApiError(404, 'not_found', `trace '${p.trace_id}' not found`, 'trace_id');
    base = exampleFromTrace(tree);
  }
  const next: ExampleWrite = {
    ...base,
    id: prev?.id ?? derivedId,
    outputs: p.correction !== undefined ? asOutputs(p.correction) : prev ? base.outputs : null,
    criteria: p.criteria ?? base.criteria ?? null,
    metadata: { ...(base.metadata ?? {}), review },
    source: { ...(base.source ?? {}), trace_id: p.trace_id, queue_id: p.queue_id, ...(reviewId ? { review_id: reviewId } : {}) },
  };
  if (prev) {
    const { id: _i, ...after } = next;
    const before = { inputs: prev.inputs, outputs: prev.outputs ?? null, criteria: prev.criteria ?? null, expected_trajectory: prev.expected_trajectory ?? null, metadata: prev.metadata, tags: prev.tags, splits: prev.splits, source: prev.source ?? null };
    if (canonical(before) === canonical(after)) return false;
  }
  await addExamples(env, projectId, dataset.id, [next], `${prev ? 'updated' : 'added'} from review of trace ${p.trace_id} in queue ${p.queue_id}`);
  return true;
}

/** The dataset outbox's write: each finished item in turn; a permanent refusal is logged and skipped, anything else throws (the outbox retries). */
export async function writeReviewExamples(env: Env, projectId: string, bodies: PendingExample[]): Promise<void> {
  for (const p of bodies) {
    try {
      await writeReviewExample(env, projectId, p);
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 409) {
        console.error(`review queue ${p.queue_id}: trace ${p.trace_id} not added to dataset ${p.dataset_id}: ${err.message}`);
        continue;
      }
      throw err;
    }
  }
}

/** What review reaches datasets through (review/dataset-port.ts; the Worker entry connects it). */
export const reviewDatasetPort: DatasetPort = {
  resolve: async (env, projectId, nameOrId) => (await findDataset(env, projectId, nameOrId))?.id ?? null,
  writeExamples: writeReviewExamples,
};
