/**
 * Ingesting LangSmith run operations (from /runs/multipart, /runs/batch, POST /runs and
 * PATCH /runs/{id}) through the shared path: translate every run and feedback first,
 * setting invalid ones aside with their reason (answered per item, as the native 207 does:
 * a hand-rolled client's one bad patch must not cost its good posts), then
 * store attachments in R2, write the spans with `writeSpanBatch`, record the created runs,
 * and apply feedback. Plain functions, no hono types.
 */
import type { NormalizedSpan, SpanIn } from '../../../schema/wire/span.ts';
import type { ItemError } from '../../../schema/wire/errors.ts';
import { ApiError } from '../../platform/errors.ts';
import { validateSpans } from '../validate.ts';
import { writeSpanBatch } from '../../store/batch-writer.ts';
import { attachmentKey } from '../../store/batch-format.ts';
import { fitMetadata } from '../fit-metadata.ts';
import { dbFor } from '../../platform/db.ts';
import { writeFeedback, type FeedbackInput } from '../../store/feedback.ts';
import { exampleOf, RunError, runIds, runToSpan, type AttachmentRef, type RunIds, type RunOp } from './runs.ts';
import { translateFeedback, type LangsmithFeedback } from './feedback.ts';
import { clearPendingPatches, recordRuns, storePendingFeedback, storePendingPatch, tracesOfRuns, type PendingPatch } from './bookkeeping.ts';
import type { AttachmentPart, RunBatch } from './multipart.ts';

/** What a request did. */
export interface RunIngestResult {
  /** Run ids whose post or patch was written. */
  accepted: string[];
  /** Creates of runs that already existed: skipped. */
  duplicates: string[];
  /** Patches and feedback waiting for their run to be created. */
  pending: string[];
  /** Feedback ids stored (or pending). */
  feedback: string[];
  /** Invalid runs and feedback, each with its index in the request, path and reason; the rest were stored. */
  rejected: ItemError[];
}

const asApiError = (err: unknown) => (err instanceof RunError ? new ApiError(400, 'invalid_run', err.message, err.path) : err);

/** Merges a post and a patch of the same run sent in one request (the patch's fields win). */
function mergeOps(ops: RunOp[]): RunOp[] {
  const byId = new Map<string, RunOp>();
  const out: RunOp[] = [];
  for (const op of ops) {
    const id = typeof op.run?.id === 'string' ? op.run.id.toLowerCase() : null;
    const prev = id ? byId.get(id) : undefined;
    if (prev && prev.op === 'post' && op.op === 'patch') {
      for (const [k, v] of Object.entries(op.run)) if (v !== undefined) prev.run[k] = v;
      continue;
    }
    if (id) byId.set(id, op);
    out.push(op);
  }
  return out;
}

/** Validates translated spans; any rejection fails the request with the run's own path. */
function validated(spans: SpanIn[], paths: string[]): NormalizedSpan[] {
  const result = validateSpans(spans);
  if (result.rejected.length) {
    const r = result.rejected[0];
    const path = r.path.replace(/^spans\[(\d+)\]/, (_, i) => paths[Number(i)]).replace(/\.input\b/, '.inputs').replace(/\.output\b/, '.outputs');
    throw new ApiError(400, 'invalid_run', `${path}: ${r.message}`, path);
  }
  return result.spans;
}

/** Stores attachments in R2, six at a time (Workers allow six simultaneous connections). */
async function storeAttachments(env: Env, projectId: string, parts: AttachmentPart[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const a = parts[next++];
      await env.BLOBS.put(attachmentKey(projectId, a.runId, a.name), a.bytes, { httpMetadata: { contentType: a.contentType }, customMetadata: { run_id: a.runId, name: a.name } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, parts.length) }, worker));
}

/** Applies patches that waited for their run, now that its trace is known. */
async function applyPendingPatches(env: Env, projectId: string, patches: PendingPatch[], traces: Map<string, string>): Promise<string[]> {
  const spans: SpanIn[] = [];
  const paths: string[] = [];
  const done: PendingPatch[] = [];
  for (const p of patches) {
    const traceId = traces.get(p.run_id);
    const object = traceId ? await env.BLOBS.get(p.body) : null;
    if (!traceId || !object) continue;
    const op: RunOp = { op: 'patch', run: await object.json(), path: `patch.${p.run_id}` };
    const ids = runIds(op);
    spans.push(runToSpan(op, { ...ids, traceId }));
    paths.push(op.path);
    done.push(p);
  }
  if (spans.length) {
    await writeSpanBatch(env, projectId, validated(spans, paths).map(fit), 'langsmith');
    await clearPendingPatches(env, projectId, done);
  }
  return done.map((p) => p.run_id);
}

const fit = (s: NormalizedSpan): NormalizedSpan => (s.metadata ? { ...s, metadata: fitMetadata(s.metadata) } : s);

/**
 * Ingests one request's run operations, feedback and attachments, item by item as the
 * native route does: an invalid run or feedback is reported in `rejected` (index, id, path,
 * reason) and the others are stored. Throws ApiError 400 when every item is invalid
 * (nothing written), 409 when every create in it is a duplicate.
 */
export async function ingestRuns(env: Env, projectId: string, batch: RunBatch, now = Date.now()): Promise<RunIngestResult> {
  const rejected: ItemError[] = [...(batch.rejected ?? [])];
  const order = new Map<RunOp, number>();
  batch.ops.forEach((op, i) => order.set(op, op.index ?? i));
  const reject = (index: number, id: string | null, err: unknown) => {
    if (!(err instanceof RunError)) throw err;
    rejected.push({ index, id, path: err.path, message: err.message });
  };
  const rawId = (op: RunOp) => (typeof op.run?.id === 'string' ? op.run.id : null);

  const ops: RunOp[] = [];
  const idsList: RunIds[] = [];
  for (const op of mergeOps(batch.ops)) {
    try {
      idsList.push(runIds(op));
      ops.push(op);
    } catch (err) {
      reject(order.get(op) ?? 0, rawId(op), err);
    }
  }
  const feedbacks: (LangsmithFeedback & { path: string })[] = [];
  batch.feedback.forEach((f, i) => {
    try {
      feedbacks.push({ ...translateFeedback(f.body, f.path), path: f.path });
    } catch (err) {
      reject(f.index ?? batch.ops.length + i, null, err);
    }
  });

  // One read of langsmith_runs: duplicates among the creates, and the traces of runs
  // (parents, patched runs, feedback targets) this request does not say.
  const traces = new Map<string, string>();
  ops.forEach((op, i) => op.op === 'post' && idsList[i].traceId && traces.set(idsList[i].id, idsList[i].traceId!));
  const lookup = new Set<string>();
  ops.forEach((op, i) => {
    const ids = idsList[i];
    if (op.op === 'post') lookup.add(ids.id);
    if (!ids.traceId) lookup.add(ids.id);
    if (!ids.traceId && ids.parentId) lookup.add(ids.parentId);
  });
  for (const f of feedbacks) if (!f.traceId) lookup.add(f.runId);
  const known = await tracesOfRuns(env, projectId, [...lookup]);

  const duplicates: string[] = [];
  const spans: SpanIn[] = [];
  const spanOps: { op: RunOp; ids: RunIds & { traceId: string } }[] = [];
  const pendingPatches: { op: RunOp; id: string }[] = [];
  const attachmentsByRun = new Map<string, Record<string, AttachmentRef>>();
  for (const a of batch.attachments) {
    const refs = attachmentsByRun.get(a.runId) ?? {};
    refs[a.name] = { key: attachmentKey(projectId, a.runId, a.name), content_type: a.contentType, size: a.bytes.byteLength };
    attachmentsByRun.set(a.runId, refs);
  }
  ops.forEach((op, i) => {
    const ids = idsList[i];
    try {
      if (op.op === 'post' && known.has(ids.id)) {
        duplicates.push(ids.id);
        return;
      }
      const traceId = ids.traceId ?? traces.get(ids.id) ?? known.get(ids.id) ?? (ids.parentId ? (traces.get(ids.parentId) ?? known.get(ids.parentId)) : undefined);
      if (!traceId) {
        if (op.op === 'post') throw new RunError(`${op.path}.trace_id`, `trace_id (or dotted_order) is required: parent run ${ids.parentId} is not known`);
        // A patch for a run not created yet: checked now, applied when the run arrives.
        runToSpan(op, { ...ids, traceId: ids.id });
        pendingPatches.push({ op, id: ids.id });
        return;
      }
      spans.push(runToSpan(op, { ...ids, traceId }, attachmentsByRun.get(ids.id)));
      spanOps.push({ op, ids: { ...ids, traceId } });
      if (op.op === 'post') traces.set(ids.id, traceId);
    } catch (err) {
      reject(order.get(op) ?? i, ids.id, err);
    }
  });
  const result = validateSpans(spans);
  for (const r of result.rejected) {
    const { op } = spanOps[r.index];
    const path = r.path.replace(/^spans\[(\d+)\]/, op.path).replace(/\.input\b/, '.inputs').replace(/\.output\b/, '.outputs');
    rejected.push({ index: order.get(op) ?? r.index, id: r.id, path, message: r.message });
  }
  const normalized = result.spans.map(fit);
  const created = result.indexes.filter((i) => spanOps[i].op.op === 'post').map((i) => ({ runId: spanOps[i].ids.id, traceId: spanOps[i].ids.traceId, example: exampleOf(spanOps[i].op, spanOps[i].ids) }));
  // Attachments never count: each belongs to a run of this request, stored only with it.
  const nothingElse = !normalized.length && !pendingPatches.length && !feedbacks.length;
  if (rejected.length && nothingElse && !duplicates.length) {
    rejected.sort((a, b) => a.index - b.index);
    const first = rejected[0];
    throw new ApiError(400, 'invalid_run', rejected.length > 1 ? `every run was rejected; first: ${first.path}: ${first.message}` : first.message, first.path, { rejected });
  }
  if (duplicates.length && nothingElse) {
    throw new ApiError(409, 'conflict', `run${duplicates.length > 1 ? 's' : ''} ${duplicates.join(', ')} already exist${duplicates.length > 1 ? '' : 's'}; a run is created once, then patched`, undefined, { duplicates });
  }

  // Attachments of a rejected run are not stored (its span, which points at them, is not).
  const stored = new Set(normalized.map((s) => s.id));
  for (const p of pendingPatches) stored.add(p.id);
  await storeAttachments(env, projectId, batch.attachments.filter((a) => stored.has(a.runId)));
  if (normalized.length) await writeSpanBatch(env, projectId, normalized, 'langsmith');
  const unblocked = await recordRuns(env, projectId, created, now);
  for (const c of created) known.set(c.runId, c.traceId);
  await applyPendingPatches(env, projectId, unblocked, known);

  const pending: string[] = [];
  for (const p of pendingPatches) {
    const storedPatch = await storePendingPatch(env, projectId, p.id, p.op.run, now);
    if (storedPatch.traceId) {
      await applyPendingPatches(env, projectId, [{ id: storedPatch.id, run_id: p.id, body: storedPatch.id.slice('patch:'.length) }], new Map([[p.id, storedPatch.traceId]]));
    } else pending.push(p.id);
  }

  const feedbackIds: string[] = [];
  const direct: FeedbackInput[] = [];
  for (const f of feedbacks) {
    const traceId = f.traceId ?? known.get(f.runId) ?? traces.get(f.runId);
    if (traceId) {
      direct.push({ ...f.feedback, trace_id: traceId });
      if (f.feedback.id) feedbackIds.push(f.feedback.id);
    } else {
      const storedFeedback = await storePendingFeedback(env, projectId, f.runId, f.feedback, now);
      feedbackIds.push(storedFeedback.id);
      if (!storedFeedback.traceId) pending.push(f.runId);
    }
  }
  await writeFeedback(env, projectId, direct, { now });
  rejected.sort((a, b) => a.index - b.index);
  return { accepted: [...stored].filter((id) => !pendingPatches.some((p) => p.id === id)), duplicates, pending, feedback: feedbackIds, rejected };
}

/** Translates and stores one LangSmith feedback (POST /feedback); returns its id and trace, if known yet. */
export async function ingestFeedback(env: Env, projectId: string, body: unknown, now = Date.now()): Promise<{ feedback: LangsmithFeedback; id: string; traceId: string | null }> {
  let f: LangsmithFeedback;
  try {
    f = translateFeedback(body);
  } catch (err) {
    throw asApiError(err);
  }
  const traceId = f.traceId ?? (await tracesOfRuns(env, projectId, [f.runId])).get(f.runId);
  if (traceId) {
    const [row] = await writeFeedback(env, projectId, [{ ...f.feedback, trace_id: traceId }], { now });
    return { feedback: f, id: row.id, traceId };
  }
  const stored = await storePendingFeedback(env, projectId, f.runId, f.feedback, now);
  return { feedback: f, id: stored.id, traceId: stored.traceId };
}
