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
 * side checks the other in one D1 transaction (D1 runs a batch as one): the create records
 * its runs and reads the pending items waiting for them in the same batch, and a pending
 * item is inserted and re-checked against the recorded runs in the same batch, so
 * whichever comes second sees the other and nothing is left waiting forever. Resolved
 * feedback is stored through the one feedback writer (so it routes to review like any
 * other), then its pending row is deleted; a crash in between rewrites the same row.
 */
import type { FeedbackInput } from '../../store/feedback.ts';
import { derivedFeedbackId, writeFeedback } from '../../store/feedback.ts';
import { dbFor } from '../../platform/db.ts';
import { isPendingPatchOf, pendingPatchKey } from '../../store/batch-format.ts';

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

/** Pending feedback whose run is now known, with the run's trace (runs given as a JSON id list). */
const RESOLVABLE_FEEDBACK = `
SELECT p.id, p.run_id, r.trace_id, p.body, p.created_at
  FROM langsmith_pending p JOIN langsmith_runs r ON r.project_id = p.project_id AND r.run_id = p.run_id
 WHERE p.project_id = ?1 AND p.kind = 'feedback' AND p.run_id IN (SELECT value FROM json_each(?2))`;

interface PendingFeedbackRow {
  id: string;
  run_id: string;
  trace_id: string;
  body: string;
  created_at: number;
}

/** Stores resolved pending feedback through the feedback writer, then forgets it. */
async function resolveFeedback(env: Env, projectId: string, pending: PendingFeedbackRow[], now: number): Promise<void> {
  if (!pending.length) return;
  const parse = (v: string | null) => (v === null ? undefined : JSON.parse(v));
  const rows = pending.map((p): FeedbackInput => {
    const b = JSON.parse(p.body) as ReturnType<typeof pendingBody>;
    return {
      id: p.id,
      trace_id: p.trace_id,
      span_id: p.run_id,
      key: b.key,
      score: b.score ?? undefined,
      value: parse(b.value),
      comment: b.comment ?? undefined,
      correction: parse(b.correction),
      source: b.source,
      author: b.author ?? undefined,
      metadata: parse(b.metadata) ?? {},
      created_at: p.created_at,
    } as FeedbackInput;
  });
  await writeFeedback(env, projectId, rows, {
    now,
    also: [dbFor(env, projectId).prepare("DELETE FROM langsmith_pending WHERE project_id = ?1 AND kind = 'feedback' AND id IN (SELECT value FROM json_each(?2))").bind(projectId, json(pending.map((p) => p.id)))],
  });
}

/** A patch that waited for its run. */
export interface PendingPatch {
  id: string;
  run_id: string;
  /** R2 key of the patch JSON. */
  body: string;
}

/** A created run; `example` when it is a root run that names a dataset example (an experiment's run). */
export interface CreatedRun {
  runId: string;
  traceId: string;
  example?: { exampleId: string; sessionName: string | null; sessionId: string | null };
}

/**
 * Records created runs (after their batch is durable) and, in the same transaction,
 * resolves pending feedback for them; returns the pending patches they unblock.
 */
export async function recordRuns(env: Env, projectId: string, runs: CreatedRun[], now = Date.now()): Promise<PendingPatch[]> {
  if (!runs.length) return [];
  const db = dbFor(env, projectId);
  const ids = json(runs.map((r) => r.runId));
  const [, feedback, patches] = await db.batch([
    db
      .prepare(
        `INSERT INTO langsmith_runs (project_id, run_id, trace_id, created_at, session_name, session_id, reference_example_id)
         SELECT ?1, j.value ->> 0, j.value ->> 1, ?3, j.value ->> 2, j.value ->> 3, j.value ->> 4 FROM json_each(?2) j WHERE true
         ON CONFLICT (project_id, run_id) DO NOTHING`,
      )
      .bind(projectId, json(runs.map((r) => [r.runId, r.traceId, r.example?.sessionName ?? null, r.example?.sessionId ?? null, r.example?.exampleId ?? null])), now),
    db.prepare(RESOLVABLE_FEEDBACK).bind(projectId, ids),
    db.prepare(`SELECT id, run_id, body FROM langsmith_pending WHERE project_id = ?1 AND kind = 'patch' AND run_id IN (SELECT value FROM json_each(?2))`).bind(projectId, ids),
  ]);
  await resolveFeedback(env, projectId, (feedback.results ?? []) as unknown as PendingFeedbackRow[], now);
  return (patches.results ?? []) as unknown as PendingPatch[];
}

/** The feedback row as the pending JSON body (JSON columns pre-serialized as `feedback` stores them). */
function pendingBody(f: FeedbackInput) {
  const toJson = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  return {
    key: f.key,
    score: typeof f.score === 'boolean' ? Number(f.score) : (f.score ?? null),
    value: toJson(f.value),
    comment: f.comment ?? null,
    correction: toJson(f.correction),
    source: f.source,
    author: f.author ?? null,
    metadata: f.metadata && Object.keys(f.metadata).length ? JSON.stringify(f.metadata) : null,
  };
}

/**
 * Stores feedback whose run's trace is not known yet and resolves it at once if the run
 * was created meanwhile. Returns the trace id if it was resolved, else null (pending).
 */
export async function storePendingFeedback(env: Env, projectId: string, runId: string, f: FeedbackInput, now = Date.now()): Promise<{ id: string; traceId: string | null }> {
  const db = dbFor(env, projectId);
  const id = f.id ?? (await derivedFeedbackId({ ...f, trace_id: `run:${runId}` }));
  const ids = json([runId]);
  const [, resolvable] = await db.batch([
    db
      .prepare(
        `INSERT INTO langsmith_pending (project_id, id, run_id, kind, body, created_at) VALUES (?1, ?2, ?3, 'feedback', ?4, ?5)
         ON CONFLICT (project_id, id) DO UPDATE SET run_id = excluded.run_id, body = excluded.body`,
      )
      .bind(projectId, id, runId, JSON.stringify(pendingBody(f)), now),
    db.prepare(RESOLVABLE_FEEDBACK).bind(projectId, ids),
  ]);
  const rows = (resolvable.results ?? []) as unknown as PendingFeedbackRow[];
  await resolveFeedback(env, projectId, rows, now);
  return { id, traceId: rows.find((r) => r.id === id)?.trace_id ?? null };
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
  await env.BLOBS.delete(patches.map((p) => p.body).filter((k) => isPendingPatchOf(projectId, k)));
}

/** A root run that named a dataset example, as recorded at its create. */
export interface ExampleRun {
  runId: string;
  traceId: string;
  exampleId: string;
  createdAt: number;
}

/**
 * The runs created in a LangSmith session (by its name or id) that named a dataset example:
 * what evaluate() posts for an experiment. Runs of other sessions (the SDKs send their
 * evaluators' own runs to a session named `evaluators`) are not among them.
 */
export async function exampleRunsOfSession(env: Env, projectId: string, session: { name: string; id: string }): Promise<ExampleRun[]> {
  // Two indexed lookups (an OR across the two columns would scan).
  const { results } = await dbFor(env, projectId)
    .prepare(
      `SELECT run_id, trace_id, reference_example_id, created_at FROM langsmith_runs WHERE project_id = ?1 AND session_name = ?2 AND reference_example_id IS NOT NULL
       UNION SELECT run_id, trace_id, reference_example_id, created_at FROM langsmith_runs WHERE project_id = ?1 AND session_id = ?3 AND reference_example_id IS NOT NULL
       ORDER BY created_at, run_id`,
    )
    .bind(projectId, session.name, session.id)
    .all<{ run_id: string; trace_id: string; reference_example_id: string; created_at: number }>();
  return results.map((r) => ({ runId: r.run_id, traceId: r.trace_id, exampleId: r.reference_example_id, createdAt: r.created_at }));
}
