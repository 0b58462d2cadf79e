/**
 * D1 bookkeeping for the LangSmith run API (tables in schema/db/langsmith.ts).
 *
 * Duplicate creates are detected with one indexed read per request: the run ids of the
 * creates are looked up in `langsmith_runs` before the batch is written, and recorded there
 * after it is durable. A create retried after a lost response therefore gets 409 without
 * rewriting anything, and a failure between write and record can only let a duplicate
 * through (harmless: spans merge by id), never lose a run.
 *
 * Feedback and patches that name a run not created yet wait in `langsmith_pending`. Each
 * side resolves in one D1 transaction (D1 runs a batch as one): the create records its runs
 * and resolves pending items in the same batch, and a pending item is inserted and
 * re-checked against the recorded runs in the same batch, so whichever comes second sees
 * the other and nothing is left waiting forever.
 */
import type { FeedbackInput } from '../../store/feedback.ts';
import { derivedFeedbackId } from '../../store/feedback.ts';
import { dbFor } from '../../store/db.ts';

// D1: 100 bound parameters per statement, so id lists go in as one JSON parameter.
const json = (v: unknown) => JSON.stringify(v);

/** Which of `runIds` were already created in this project. */
export async function existingRuns(env: Env, projectId: string, runIds: string[]): Promise<Set<string>> {
  if (!runIds.length) return new Set();
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT run_id FROM langsmith_runs WHERE project_id = ?1 AND run_id IN (SELECT value FROM json_each(?2))')
    .bind(projectId, json(runIds))
    .all<{ run_id: string }>();
  return new Set(results.map((r) => r.run_id));
}

/** The trace of each run already created (run id -> trace id). */
export async function tracesOfRuns(env: Env, projectId: string, runIds: string[]): Promise<Map<string, string>> {
  if (!runIds.length) return new Map();
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT run_id, trace_id FROM langsmith_runs WHERE project_id = ?1 AND run_id IN (SELECT value FROM json_each(?2))')
    .bind(projectId, json(runIds))
    .all<{ run_id: string; trace_id: string }>();
  return new Map(results.map((r) => [r.run_id, r.trace_id]));
}

/** Moves pending feedback whose run is now known into `feedback` (runs given as a JSON id list). */
const RESOLVE_FEEDBACK = `
INSERT INTO feedback (id, project_id, trace_id, span_id, key, score, value, comment, correction, source, author, metadata, created_at, updated_at)
SELECT p.id, p.project_id, r.trace_id, p.run_id, p.body ->> 'key', p.body ->> 'score', p.body ->> 'value', p.body ->> 'comment',
       p.body ->> 'correction', p.body ->> 'source', p.body ->> 'author', p.body ->> 'metadata', p.created_at, ?3
  FROM langsmith_pending p JOIN langsmith_runs r ON r.project_id = p.project_id AND r.run_id = p.run_id
 WHERE p.project_id = ?1 AND p.kind = 'feedback' AND p.run_id IN (SELECT value FROM json_each(?2))
ON CONFLICT (project_id, id) DO UPDATE SET trace_id = excluded.trace_id, span_id = excluded.span_id, key = excluded.key,
  score = excluded.score, value = excluded.value, comment = excluded.comment, correction = excluded.correction,
  source = excluded.source, author = excluded.author, metadata = excluded.metadata, updated_at = excluded.updated_at`;

const DELETE_RESOLVED_FEEDBACK = `
DELETE FROM langsmith_pending
 WHERE project_id = ?1 AND kind = 'feedback' AND run_id IN (SELECT value FROM json_each(?2))
   AND EXISTS (SELECT 1 FROM langsmith_runs r WHERE r.project_id = ?1 AND r.run_id = langsmith_pending.run_id)`;

/** A patch that waited for its run. */
export interface PendingPatch {
  id: string;
  run_id: string;
  /** R2 key of the patch JSON. */
  body: string;
}

/**
 * Records created runs (after their batch is durable) and, in the same transaction,
 * resolves pending feedback for them; returns the pending patches they unblock.
 */
export async function recordRuns(env: Env, projectId: string, runs: { runId: string; traceId: string }[], now = Date.now()): Promise<PendingPatch[]> {
  if (!runs.length) return [];
  const db = dbFor(env, projectId);
  const ids = json(runs.map((r) => r.runId));
  const [, , , patches] = await db.batch([
    db
      .prepare(
        `INSERT INTO langsmith_runs (project_id, run_id, trace_id, created_at)
         SELECT ?1, j.value ->> 0, j.value ->> 1, ?3 FROM json_each(?2) j WHERE true
         ON CONFLICT (project_id, run_id) DO NOTHING`,
      )
      .bind(projectId, json(runs.map((r) => [r.runId, r.traceId])), now),
    db.prepare(RESOLVE_FEEDBACK).bind(projectId, ids, now),
    db.prepare(DELETE_RESOLVED_FEEDBACK).bind(projectId, ids),
    db.prepare(`SELECT id, run_id, body FROM langsmith_pending WHERE project_id = ?1 AND kind = 'patch' AND run_id IN (SELECT value FROM json_each(?2))`).bind(projectId, ids),
  ]);
  return (patches.results ?? []) as unknown as PendingPatch[];
}

/** The feedback row as the pending JSON body (columns pre-serialized as `feedback` stores them). */
function feedbackBody(f: FeedbackInput): string {
  const toJson = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  return JSON.stringify({
    key: f.key,
    score: typeof f.score === 'boolean' ? Number(f.score) : (f.score ?? null),
    value: toJson(f.value),
    comment: f.comment ?? null,
    correction: toJson(f.correction),
    source: f.source,
    author: f.author ?? null,
    metadata: f.metadata && Object.keys(f.metadata).length ? JSON.stringify(f.metadata) : null,
  });
}

/**
 * Stores feedback whose run's trace is not known yet and resolves it at once if the run
 * was created meanwhile. Returns the trace id if it was resolved, else null (pending).
 */
export async function storePendingFeedback(env: Env, projectId: string, runId: string, f: FeedbackInput, now = Date.now()): Promise<{ id: string; traceId: string | null }> {
  const db = dbFor(env, projectId);
  const id = f.id ?? (await derivedFeedbackId({ ...f, trace_id: `run:${runId}` }));
  const ids = json([runId]);
  const [, , , resolved] = await db.batch([
    db
      .prepare(
        `INSERT INTO langsmith_pending (project_id, id, run_id, kind, body, created_at) VALUES (?1, ?2, ?3, 'feedback', ?4, ?5)
         ON CONFLICT (project_id, id) DO UPDATE SET run_id = excluded.run_id, body = excluded.body`,
      )
      .bind(projectId, id, runId, feedbackBody(f), now),
    db.prepare(RESOLVE_FEEDBACK).bind(projectId, ids, now),
    db.prepare(DELETE_RESOLVED_FEEDBACK).bind(projectId, ids),
    db.prepare('SELECT trace_id FROM feedback WHERE project_id = ?1 AND id = ?2').bind(projectId, id),
  ]);
  const row = resolved.results?.[0] as { trace_id: string } | undefined;
  return { id, traceId: row?.trace_id ?? null };
}

/** R2 key of a patch waiting for its run, under the project's prefix. */
export function pendingPatchKey(projectId: string, runId: string, now = Date.now()): string {
  return `langsmith/${projectId}/pending/${runId}/${now.toString(36)}-${crypto.randomUUID()}.json`;
}

/**
 * Stores a patch whose run is unknown: its JSON in R2 (patches carry outputs, too large
 * for D1), a pointer in langsmith_pending, and a re-check in the same transaction.
 * Returns the run's trace id if the run was created meanwhile (the caller applies the
 * patch and clears the pointer), else null.
 */
export async function storePendingPatch(env: Env, projectId: string, runId: string, patch: unknown, now = Date.now()): Promise<{ id: string; traceId: string | null }> {
  const key = pendingPatchKey(projectId, runId, now);
  await env.BLOBS.put(key, JSON.stringify(patch), { httpMetadata: { contentType: 'application/json' } });
  const db = dbFor(env, projectId);
  const id = `patch:${key}`;
  const [, found] = await db.batch([
    db.prepare(`INSERT INTO langsmith_pending (project_id, id, run_id, kind, body, created_at) VALUES (?1, ?2, ?3, 'patch', ?4, ?5) ON CONFLICT DO NOTHING`).bind(projectId, id, runId, key, now),
    db.prepare('SELECT trace_id FROM langsmith_runs WHERE project_id = ?1 AND run_id = ?2').bind(projectId, runId),
  ]);
  const row = found.results?.[0] as { trace_id: string } | undefined;
  return { id, traceId: row?.trace_id ?? null };
}

/** Forgets pending patches once applied (their R2 objects are deleted too). */
export async function clearPendingPatches(env: Env, projectId: string, patches: PendingPatch[]): Promise<void> {
  if (!patches.length) return;
  await dbFor(env, projectId)
    .prepare("DELETE FROM langsmith_pending WHERE project_id = ?1 AND kind = 'patch' AND id IN (SELECT value FROM json_each(?2))")
    .bind(projectId, json(patches.map((p) => p.id)))
    .run();
  await env.BLOBS.delete(patches.map((p) => p.body).filter((k) => k.startsWith(`langsmith/${projectId}/pending/`)));
}
