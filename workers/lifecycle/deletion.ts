/**
 * Deletion jobs: a trace, the traces matching a filter, every trace of an end user, or a
 * retention pass. A job runs in chunks of CHUNK traces from the every-minute cron: the chunk is
 * written to the job row (`pending`) before anything is deleted, and cleared after, so a
 * step killed halfway (CPU limit, deploy, crash) is redone on exactly the same traces on the
 * next tick and no trace is left half deleted (purgeTraces is idempotent).
 */
import { controlDb, dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { compileNode, parseQuery } from '../store/filter.ts';
import { purgeTraces } from './purge.ts';
import type { DeletionIn, DeletionOut } from '../../schema/wire/lifecycle.ts';

/**
 * Traces per step. Each step reads every R2 batch its traces touch and re-packs the mixed
 * ones, so a chunk stays small enough for one Worker invocation's subrequest and CPU budget.
 */
export const CHUNK = 25;
/** Wall-clock budget of one cron tick's lifecycle work (the cron runs every minute). */
export const TICK_BUDGET_MS = 20_000;

type Kind = DeletionOut['kind'];
export interface JobRow {
  id: string;
  project_id: string;
  kind: Kind;
  target: string;
  status: DeletionOut['status'];
  pending: string | null;
  deleted_traces: number;
  rewritten_objects: number;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

export function jobOut(r: JobRow): DeletionOut {
  return {
    id: r.id,
    kind: r.kind,
    target: r.target,
    status: r.status,
    deleted_traces: r.deleted_traces,
    rewritten_objects: r.rewritten_objects,
    error: r.error,
    created_at: new Date(r.created_at).toISOString(),
    finished_at: r.finished_at == null ? null : new Date(r.finished_at).toISOString(),
  };
}

/** Validates a deletion request (exactly one of trace_id, filter, user_id; the filter must parse) and queues the job. */
export async function createDeletion(env: Env, projectId: string, body: DeletionIn, now = Date.now()): Promise<DeletionOut> {
  const given = (['trace_id', 'filter', 'user_id'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw new ApiError(400, 'invalid_request', 'give exactly one of trace_id, filter or user_id', given[1] ?? 'trace_id');
  const kind: Kind = given[0] === 'trace_id' ? 'trace' : given[0] === 'filter' ? 'filter' : 'user';
  const target = body[given[0]]!;
  // Compiling now turns an unparsable filter (or an unknown field) into a 400 naming `filter`.
  if (kind === 'filter') compileNode(parseQuery(target, 'filter'), 'traces', projectId, now, 'filter');
  return insertJob(env, projectId, kind, target, now);
}

export async function insertJob(env: Env, projectId: string, kind: Kind, target: string, now = Date.now()): Promise<DeletionOut> {
  const id = `del_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const row = await dbFor(env, projectId)
    .prepare(`INSERT INTO deletion_jobs (id, project_id, kind, target, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?) RETURNING *`)
    .bind(id, projectId, kind, target, now, now)
    .first<JobRow>();
  return jobOut(row!);
}

export async function getDeletion(env: Env, projectId: string, id: string): Promise<DeletionOut | null> {
  const row = await dbFor(env, projectId).prepare('SELECT * FROM deletion_jobs WHERE project_id = ? AND id = ?').bind(projectId, id).first<JobRow>();
  return row ? jobOut(row) : null;
}

/** The next chunk of trace ids a job still has to delete (deleted traces drop out, so no cursor is needed). */
async function nextChunk(env: Env, job: JobRow): Promise<string[]> {
  const db = dbFor(env, job.project_id);
  const p = job.project_id;
  let stmt: D1PreparedStatement;
  if (job.kind === 'trace') {
    stmt = db
      .prepare('SELECT ?2 AS trace_id WHERE EXISTS (SELECT 1 FROM traces WHERE project_id = ?1 AND trace_id = ?2) OR EXISTS (SELECT 1 FROM spans WHERE project_id = ?1 AND trace_id = ?2) OR EXISTS (SELECT 1 FROM feedback WHERE project_id = ?1 AND trace_id = ?2)')
      .bind(p, job.target);
  } else if (job.kind === 'user') {
    stmt = db
      .prepare(`SELECT trace_id FROM traces WHERE project_id = ?1 AND user_id = ?2 UNION SELECT trace_id FROM spans WHERE project_id = ?1 AND user_id = ?2 LIMIT ${CHUNK}`)
      .bind(p, job.target);
  } else if (job.kind === 'filter') {
    // Relative times in the filter ("start_time > -7d") are read as of the job's creation.
    const { where, params } = compileNode(parseQuery(job.target, 'filter'), 'traces', p, job.created_at, 'filter');
    stmt = db.prepare(`SELECT t.trace_id FROM traces t WHERE t.project_id = ? AND (${where}) LIMIT ${CHUNK}`).bind(p, ...params);
  } else {
    const { cutoff, reviewed_cutoff } = JSON.parse(job.target) as { cutoff: number; reviewed_cutoff: number | null };
    const sql = db.prepare(retentionChunkSql(reviewed_cutoff));
    stmt = reviewed_cutoff == null ? sql.bind(p, cutoff) : sql.bind(p, cutoff, reviewed_cutoff);
  }
  const { results } = await stmt.all<{ trace_id: string }>();
  return results.map((r) => r.trace_id);
}

/** Human feedback: a reviewer or signed-in user, or any review given through an annotation queue. */
/** Experiments keep their runs (as datasets keep their examples): retention passes skip run traces. */
const EXPERIMENT_RUN = `SELECT 1 FROM experiment_runs r WHERE r.project_id = t.project_id AND r.trace_id = t.trace_id`;

const HUMAN_FEEDBACK = `SELECT 1 FROM feedback f WHERE f.project_id = t.project_id AND f.trace_id = t.trace_id AND (f.source IN ('human', 'user') OR f.queue_id IS NOT NULL)`;

/**
 * Most traces one retention step takes. A step starts from the CHUNK oldest due traces and
 * adds every other due trace sharing an R2 batch with them, so a batch whose traces are all
 * due is deleted in one step instead of being re-packed first and deleted on the next (a
 * 500-span batch holds ~50 ten-span traces). Bounded so one step stays within a Worker
 * invocation's CPU and subrequests.
 */
export const RETENTION_WIDE_CHUNK = 200;

/** Due traces, oldest first, on the (project_id, start_time) index, widened to their batch mates that are due too; ?3 is the reviewed traces' cut-off when they are kept longer. */
export function retentionChunkSql(reviewedCutoff: number | null): string {
  const due = dueCondition(reviewedCutoff);
  return `WITH seed AS (SELECT t.trace_id FROM traces t WHERE ${due} ORDER BY t.start_time LIMIT ${CHUNK}),
    mates AS (SELECT DISTINCT b2.trace_id FROM trace_batches b1 JOIN trace_batches b2 ON b2.project_id = b1.project_id AND b2.batch_key = b1.batch_key WHERE b1.project_id = ?1 AND b1.trace_id IN (SELECT trace_id FROM seed))
    SELECT trace_id FROM seed
    UNION SELECT * FROM (SELECT t.trace_id FROM traces t WHERE t.trace_id IN (SELECT trace_id FROM mates) AND ${due} LIMIT ${RETENTION_WIDE_CHUNK - CHUNK})`;
}

/** Whether any trace is due (the cron's probe: the seed's condition, without the batch-mate widening). Same parameters as retentionChunkSql. */
export function retentionDueSql(reviewedCutoff: number | null): string {
  return `SELECT 1 FROM traces t WHERE ${dueCondition(reviewedCutoff)} LIMIT 1`;
}

/** A trace of project ?1 started before ?2, not an experiment run's, and (with ?3) not reviewed after ?3. */
function dueCondition(reviewedCutoff: number | null): string {
  const keep = reviewedCutoff == null ? '' : ` AND (t.start_time < ?3 OR NOT EXISTS (${HUMAN_FEEDBACK}))`;
  return `t.project_id = ?1 AND t.start_time < ?2${keep} AND NOT EXISTS (${EXPERIMENT_RUN})`;
}

async function unindexedBefore(env: Env, job: JobRow): Promise<boolean> {
  const row = await controlDb(env).prepare('SELECT 1 AS n FROM ingest_batches WHERE project_id = ?1 AND created_at <= ?2 LIMIT 1').bind(job.project_id, job.created_at).first();
  return row !== null;
}

/** Runs one step of a job: a stored chunk is redone, otherwise the next chunk is stored then deleted. Returns false once the job is done. */
export async function stepJob(env: Env, job: JobRow, now = Date.now()): Promise<boolean> {
  const db = dbFor(env, job.project_id);
  let ids: string[];
  if (job.pending) ids = JSON.parse(job.pending) as string[];
  else {
    // Spans acknowledged before the request may still be on their way to the index (the
    // ingest ledger holds a batch until it is indexed): wait for them, or they would bring
    // the deleted trace back after the job said done.
    if (job.kind !== 'retention' && (await unindexedBefore(env, job))) return false;
    ids = await nextChunk(env, job);
    if (!ids.length) {
      await db.prepare(`UPDATE deletion_jobs SET status = 'done', pending = NULL, error = NULL, updated_at = ?2, finished_at = ?2 WHERE id = ?1`).bind(job.id, now).run();
      job.status = 'done';
      return false;
    }
    await db.prepare(`UPDATE deletion_jobs SET status = 'running', pending = ?2, updated_at = ?3 WHERE id = ?1`).bind(job.id, JSON.stringify(ids), now).run();
  }
  const r = await purgeTraces(env, job.project_id, ids);
  await db
    .prepare(`UPDATE deletion_jobs SET pending = NULL, error = NULL, deleted_traces = deleted_traces + ?2, rewritten_objects = rewritten_objects + ?3, updated_at = ?4 WHERE id = ?1`)
    .bind(job.id, r.traces, r.objectsRewritten, now)
    .run();
  job.pending = null;
  return true;
}
