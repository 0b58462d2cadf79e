/**
 * Feedback writes and reads. Writes are idempotent: a row is keyed by (project, id), and
 * when the client sends no id the id is derived from the content, so a retried POST never
 * adds a second thumbs-down.
 */
import type { z } from 'zod';
import { FeedbackIn, type FeedbackOut } from '../../schema/wire/feedback.ts';
import { dbFor } from './db.ts';
import { feedbackOut, type FeedbackRow } from './rows.ts';
import { signalRouting } from './review-signal.ts';

/** Feedback as validated by FeedbackIn (defaults applied). */
export type FeedbackInput = z.output<typeof FeedbackIn> & {
  evaluator_id?: string | null;
  evaluator_version?: number | null;
  queue_id?: string | null;
};

/** A stable id for feedback sent without one: a hash of what it says and where. */
export async function derivedFeedbackId(f: FeedbackInput): Promise<string> {
  const material = JSON.stringify([f.trace_id, f.span_id ?? null, f.key, f.score ?? null, f.value ?? null, f.comment ?? null, f.correction ?? null, f.source, f.author ?? null]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(material)));
  return 'fb_' + [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const UPSERT = `
INSERT INTO feedback (id, project_id, trace_id, span_id, key, score, value, comment, correction, source, author,
                      evaluator_id, evaluator_version, queue_id, metadata, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)
ON CONFLICT (project_id, id) DO UPDATE SET
  trace_id = excluded.trace_id, span_id = excluded.span_id, key = excluded.key, score = excluded.score,
  value = excluded.value, comment = excluded.comment, correction = excluded.correction, source = excluded.source,
  author = excluded.author, evaluator_id = excluded.evaluator_id, evaluator_version = excluded.evaluator_version,
  queue_id = excluded.queue_id, metadata = excluded.metadata, updated_at = excluded.updated_at
RETURNING *`;

/** Prepares the upsert of one feedback row (for callers batching several writes). */
export async function prepareFeedbackUpsert(db: D1Database, projectId: string, f: FeedbackInput, now = Date.now()): Promise<D1PreparedStatement> {
  const id = f.id ?? (await derivedFeedbackId(f));
  const score = typeof f.score === 'boolean' ? Number(f.score) : (f.score ?? null);
  const toJson = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  return db
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
      now,
    );
}

/**
 * Stores (or updates) one feedback row, then signals review routing for its trace (so
 * `feedback.thumbs=0` can route it), and returns it as the API shows it. If the signal
 * cannot be sent the call fails after the write; a retry rewrites the same row and signals.
 */
export async function upsertFeedback(env: Env, projectId: string, f: FeedbackInput, now = Date.now()): Promise<FeedbackOut> {
  const db = dbFor(env, projectId);
  const row = await (await prepareFeedbackUpsert(db, projectId, f, now)).first<FeedbackRow>();
  await signalRouting(env, projectId, [f.trace_id], 'feedback');
  return feedbackOut(row!);
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
