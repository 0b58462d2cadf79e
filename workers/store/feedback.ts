/**
 * The one feedback writer. Every route that stores feedback goes through `writeFeedback`:
 * end users and agents (POST /v1/feedback, MCP), the LangSmith feedback routes (including
 * feedback that waited for its run), reviews (the review hub's outbox), and evaluator
 * scores. Each write is idempotent, since a row is keyed by (project, id) and feedback sent
 * without an id gets one derived from its content, so a retried POST never adds a second
 * thumbs-down. After the rows are committed it signals review routing for their traces,
 * so `feedback.thumbs=0` or `score.helpfulness<0.5` can route a trace whichever way the
 * feedback came in.
 */
import type { z } from 'zod';
import { FeedbackIn, type FeedbackOut } from '../../schema/wire/feedback.ts';
import { dbFor } from '../platform/db.ts';
import { stableId } from '../platform/ids.ts';
import { feedbackOut, type FeedbackRow } from './rows.ts';
import { signalRouting } from './review-signal.ts';
import { markFeedback, recomputeStatements, rollupToken } from './rollups.ts';

/** Feedback as validated by FeedbackIn (defaults applied), plus what only Loupe itself writes. */
export type FeedbackInput = z.output<typeof FeedbackIn> & {
  evaluator_id?: string | null;
  evaluator_version?: number | null;
  queue_id?: string | null;
  /** When the feedback was first given, if earlier than the write (e.g. it waited for its run). */
  created_at?: number;
};

/** A stable id for feedback sent without one: a hash of what it says and where. */
export async function derivedFeedbackId(f: FeedbackInput): Promise<string> {
  return stableId('fb_', JSON.stringify([f.trace_id, f.span_id ?? null, f.key, f.score ?? null, f.value ?? null, f.comment ?? null, f.correction ?? null, f.source, f.author ?? null]));
}

const UPSERT = `
INSERT INTO feedback (id, project_id, trace_id, span_id, key, score, value, comment, correction, source, author,
                      evaluator_id, evaluator_version, queue_id, metadata, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
ON CONFLICT (project_id, id) DO UPDATE SET
  trace_id = excluded.trace_id, span_id = excluded.span_id, key = excluded.key, score = excluded.score,
  value = excluded.value, comment = excluded.comment, correction = excluded.correction, source = excluded.source,
  author = excluded.author, evaluator_id = excluded.evaluator_id, evaluator_version = excluded.evaluator_version,
  queue_id = excluded.queue_id, metadata = excluded.metadata, updated_at = excluded.updated_at
RETURNING *`;

/** The upsert of one feedback row, and its id. */
async function upsertStatement(db: D1Database, projectId: string, f: FeedbackInput, now: number): Promise<[D1PreparedStatement, string]> {
  const id = f.id ?? (await derivedFeedbackId(f));
  const score = typeof f.score === 'boolean' ? Number(f.score) : (f.score ?? null);
  const toJson = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  const statement = db
    .prepare(UPSERT)
    .bind(
      id,
      projectId,
      f.trace_id,
      f.span_id ?? null,
      f.key,
      score,
      toJson(f.value),
      f.comment ?? null,
      toJson(f.correction),
      f.source,
      f.author ?? null,
      f.evaluator_id ?? null,
      f.evaluator_version ?? null,
      f.queue_id ?? null,
      f.metadata && Object.keys(f.metadata).length ? JSON.stringify(f.metadata) : null,
      f.created_at ?? now,
      now,
    );
  return [statement, id];
}

/**
 * Stores (or updates) feedback rows in one D1 transaction, together with `also` (the
 * caller's own bookkeeping, e.g. an evaluator's run log, so a score and its log line land
 * together), then signals review routing for their traces, and returns the stored rows in
 * order. If the signal cannot be sent the call fails after the write; a retry rewrites the
 * same rows and signals.
 */
export async function writeFeedback(env: Env, projectId: string, rows: readonly FeedbackInput[], opts: { also?: D1PreparedStatement[]; now?: number } = {}): Promise<FeedbackRow[]> {
  const now = opts.now ?? Date.now();
  const db = dbFor(env, projectId);
  const upserts = await Promise.all(rows.map((f) => upsertStatement(db, projectId, f, now)));
  const statements = upserts.map(([s]) => s);
  const also = opts.also ?? [];
  if (!statements.length && !also.length) return [];
  // Dashboard roll-ups of the feedback's traces, in the same transaction (workers/store/rollups.ts).
  const rollups: D1PreparedStatement[] = [];
  const before: D1PreparedStatement[] = [];
  if (upserts.length) {
    const token = rollupToken();
    const ids = JSON.stringify(upserts.map(([, id]) => id));
    before.push(markFeedback(db, projectId, token, ids));
    rollups.push(markFeedback(db, projectId, token, ids), ...recomputeStatements(db, projectId, token));
  }
  // The marks before the upserts catch a row that moves to another trace.
  const results = (await db.batch([...before, ...statements, ...also, ...rollups])).slice(before.length, before.length + statements.length);
  if (rows.length) await signalRouting(env, projectId, rows.map((f) => f.trace_id), 'feedback');
  return results.slice(0, statements.length).map((r) => (r.results as FeedbackRow[])[0]);
}

/** Stores one feedback row (see writeFeedback) and returns it as the API shows it. */
export async function upsertFeedback(env: Env, projectId: string, f: FeedbackInput, now = Date.now()): Promise<FeedbackOut> {
  const [row] = await writeFeedback(env, projectId, [f], { now });
  return feedbackOut(row);
}

/** Feedback keys in use in a project, with counts and averages (for autocomplete and agents). */
export async function feedbackKeys(env: Env, projectId: string): Promise<{ key: string; count: number; avg: number | null; sources: string[] }[]> {
  const { results } = await dbFor(env, projectId)
    .prepare(
      `SELECT key, count(*) AS count, avg(score) AS avg, json_group_array(DISTINCT source) AS sources
         FROM feedback WHERE project_id = ? GROUP BY key ORDER BY count(*) DESC LIMIT 500`,
    )
    .bind(projectId)
    .all<{ key: string; count: number; avg: number | null; sources: string }>();
  return results.map((r) => ({ ...r, sources: JSON.parse(r.sources) }));
}
