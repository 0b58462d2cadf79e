/**
 * Export jobs: a project's export (export.ts, the same records as GET /v1/export) written to
 * R2 as one JSONL object, in steps from the every-minute cron. A streamed download has to
 * finish inside one request (CPU-bounded on Workers); a job does not, so it is the way out
 * for a project of millions of spans.
 *
 * The file is an R2 multipart upload: each step makes the next part from the stored export
 * cursor (PART_BYTES of records; R2 wants every part but the last to be at least 5 MiB),
 * uploads it, then stores the new cursor and the part's etag. A step killed in between
 * is redone from the stored cursor and uploads the same part number again, which replaces
 * the earlier upload of it, so no record is written twice. The last step stores the finished
 * cursor before completing the upload, so a crash there is finished by the next step too.
 *
 * Files live EXPORT_KEEP_DAYS, and a deletion job (trace, filter or user) that finishes after
 * an export started makes that export expire at once: its file may hold the deleted bytes.
 */
import { dbFor, projectDatabases } from '../platform/db.ts';
import { exportPage, startExport, type ExportCursor } from './export.ts';
import type { ExportJobOut } from '../../schema/wire/portability.ts';

/** Bytes per multipart part: above R2's 5 MiB minimum, small enough to build in a Worker's 128 MB. */
export const PART_BYTES = 8 * 1024 * 1024;
/** Days a finished export file is kept. */
export const EXPORT_KEEP_DAYS = 7;
/** Wall-clock budget of one cron tick's export work. */
const TICK_BUDGET_MS = 20_000;
const DAY_MS = 86_400_000;

interface ExportJobRow {
  id: string;
  project_id: string;
  status: ExportJobOut['status'];
  object_key: string;
  upload_id: string | null;
  parts: string;
  cursor: string;
  records: number;
  bytes: number;
  carry: number;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  expires_at: number | null;
}

function jobOut(r: ExportJobRow): ExportJobOut {
  const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
  return {
    id: r.id,
    status: r.status,
    records: r.records,
    bytes: r.bytes,
    error: r.error,
    created_at: iso(r.created_at)!,
    finished_at: iso(r.finished_at),
    expires_at: iso(r.expires_at),
    download: r.status === 'done' ? `/v1/exports/${r.id}/file` : null,
  };
}

export function exportObjectKey(projectId: string, id: string): string {
  return `exports/${projectId}/${id}.jsonl`;
}

export async function createExportJob(env: Env, projectId: string, createdBy: string | null, now = Date.now()): Promise<ExportJobOut> {
  const id = `exp_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const row = await dbFor(env, projectId)
    .prepare(`INSERT INTO export_jobs (id, project_id, status, object_key, cursor, created_by, created_at, updated_at) VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?6) RETURNING *`)
    .bind(id, projectId, exportObjectKey(projectId, id), JSON.stringify(startExport(now)), createdBy, now)
    .first<ExportJobRow>();
  return jobOut(row!);
}

async function jobRow(env: Env, projectId: string, id: string): Promise<ExportJobRow | null> {
  return dbFor(env, projectId).prepare('SELECT * FROM export_jobs WHERE project_id = ?1 AND id = ?2').bind(projectId, id).first<ExportJobRow>();
}

export async function getExportJob(env: Env, projectId: string, id: string): Promise<ExportJobOut | null> {
  const row = await jobRow(env, projectId, id);
  return row ? jobOut(row) : null;
}

export async function listExportJobs(env: Env, projectId: string): Promise<ExportJobOut[]> {
  const { results } = await dbFor(env, projectId).prepare('SELECT * FROM export_jobs WHERE project_id = ?1 ORDER BY created_at DESC LIMIT 50').bind(projectId).all<ExportJobRow>();
  return results.map(jobOut);
}

/** The finished file of a project's export, or null (unknown, not finished, or expired). */
export async function exportFile(env: Env, projectId: string, id: string): Promise<R2ObjectBody | null> {
  const row = await jobRow(env, projectId, id);
  if (!row || row.status !== 'done') return null;
  return env.BLOBS.get(row.object_key);
}

/** The R2 key of the records a step made past its last whole part, waiting for the part `partNumber`. */
function carryKey(job: ExportJobRow, partNumber: number): string {
  return `${job.object_key}.carry-${partNumber}`;
}

function concat(pieces: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * One step: whole parts uploaded from the stored cursor and carry, the rest stored as the
 * next carry (or, at the end, uploaded as the last part); a further step completes the
 * upload. Returns false once the job is finished.
 */
export async function stepExportJob(env: Env, job: ExportJobRow, now = Date.now()): Promise<boolean> {
  const db = dbFor(env, job.project_id);
  const partBytes = Number(env.EXPORT_PART_BYTES ?? '') || PART_BYTES;
  const cursor = JSON.parse(job.cursor) as ExportCursor;
  const parts = JSON.parse(job.parts) as R2UploadedPart[];
  if (!job.upload_id) {
    const upload = await env.BLOBS.createMultipartUpload(job.object_key, { httpMetadata: { contentType: 'application/x-ndjson; charset=utf-8' }, customMetadata: { project_id: job.project_id, export_id: job.id } });
    job.upload_id = upload.uploadId;
    await db.prepare(`UPDATE export_jobs SET status = 'running', upload_id = ?2, updated_at = ?3 WHERE id = ?1`).bind(job.id, job.upload_id, now).run();
  }
  const upload = env.BLOBS.resumeMultipartUpload(job.object_key, job.upload_id);

  if (cursor.step.kind !== 'done') {
    const pieces: Uint8Array[] = [];
    let size = 0;
    if (job.carry) {
      const carried = await env.BLOBS.get(carryKey(job, parts.length + 1));
      if (!carried) throw new Error(`export ${job.id}: the carried records for part ${parts.length + 1} are missing`);
      pieces.push(new Uint8Array(await carried.arrayBuffer()));
      size += pieces[0].length;
    }
    const encoder = new TextEncoder();
    while (size < partBytes) {
      const text = await exportPage(env, job.project_id, cursor);
      if (text === null) break;
      const bytes = encoder.encode(text);
      pieces.push(bytes);
      size += bytes.length;
    }
    const made = concat(pieces, size);
    // exportPage moved the cursor on (TypeScript still narrows it to the kind checked above).
    const finished = (cursor.step as ExportCursor['step']).kind === 'done';
    // Whole parts go now; parts are numbered after the stored ones, so a redone step replaces its own.
    let at = 0;
    for (; made.length - at >= partBytes; at += partBytes) parts.push(await upload.uploadPart(parts.length + 1, made.subarray(at, at + partBytes)));
    const rest = made.subarray(at);
    let carry = 0;
    if (finished && rest.length) parts.push(await upload.uploadPart(parts.length + 1, rest));
    else if (rest.length) {
      await env.BLOBS.put(carryKey(job, parts.length + 1), rest);
      carry = rest.length;
    }
    // `bytes` counts what is in uploaded parts (a carry is counted once its part goes).
    job.bytes += finished ? made.length : at;
    job.carry = carry;
    job.records = cursor.records;
    job.cursor = JSON.stringify(cursor);
    job.parts = JSON.stringify(parts);
    await db
      .prepare('UPDATE export_jobs SET cursor = ?2, parts = ?3, carry = ?4, records = ?5, bytes = ?6, updated_at = ?7 WHERE id = ?1')
      .bind(job.id, job.cursor, job.parts, job.carry, job.records, job.bytes, now)
      .run();
    // Another step completes (kept apart so a crash after the last part still completes).
    return true;
  }

  // Every record is uploaded: complete, unless a step that crashed after completing already did.
  if (!(await env.BLOBS.head(job.object_key))) await upload.complete(parts);
  await db
    .prepare(`UPDATE export_jobs SET status = 'done', upload_id = NULL, error = NULL, updated_at = ?2, finished_at = ?2, expires_at = ?3 WHERE id = ?1`)
    .bind(job.id, now, now + EXPORT_KEEP_DAYS * DAY_MS)
    .run();
  await deleteCarries(env, job, parts.length);
  job.status = 'done';
  return false;
}

/** Carries are deleted only at the end: a redone step must still find the one it started from. */
async function deleteCarries(env: Env, job: ExportJobRow, partCount: number): Promise<void> {
  const keys = Array.from({ length: partCount + 1 }, (_, i) => carryKey(job, i + 1));
  for (let i = 0; i < keys.length; i += 1000) await env.BLOBS.delete(keys.slice(i, i + 1000));
}

/**
 * Deletes the files of exports past their time, and of exports a deletion job has finished
 * after (they may hold the deleted bytes; a retention pass does not count: files live fewer
 * days than the shortest retention period keeps).
 */
async function expireExports(env: Env, db: D1Database, now: number): Promise<void> {
  const { results } = await db
    .prepare(
      `SELECT e.*, (e.expires_at IS NOT NULL AND e.expires_at <= ?1) AS aged FROM export_jobs e WHERE e.status IN ('queued', 'running', 'done')
         AND ((e.expires_at IS NOT NULL AND e.expires_at <= ?1)
           OR EXISTS (SELECT 1 FROM deletion_jobs d WHERE d.project_id = e.project_id AND d.kind != 'retention' AND d.status = 'done' AND d.finished_at >= e.created_at))
       LIMIT 50`,
    )
    .bind(now)
    .all<ExportJobRow & { aged: number }>();
  for (const e of results) {
    if (e.upload_id) await env.BLOBS.resumeMultipartUpload(e.object_key, e.upload_id).abort().catch(() => {});
    await env.BLOBS.delete(e.object_key);
    await deleteCarries(env, e, (JSON.parse(e.parts) as unknown[]).length);
    const why = e.aged ? null : 'a deletion finished after this export started, so its file was deleted (it may have held the deleted data); start a new export';
    await db.prepare(`UPDATE export_jobs SET status = 'expired', upload_id = NULL, error = ?2, updated_at = ?3 WHERE id = ?1`).bind(e.id, why, now).run();
  }
}

/** The cron's export pass: expire what is due, then step unfinished jobs, oldest first, within the tick's budget. */
export async function runExportJobs(env: Env, now = Date.now(), budgetMs = TICK_BUDGET_MS): Promise<void> {
  const start = Date.now();
  for (const db of projectDatabases(env)) {
    await expireExports(env, db, now);
    const { results: jobs } = await db.prepare(`SELECT * FROM export_jobs WHERE status IN ('queued', 'running') ORDER BY created_at LIMIT 10`).all<ExportJobRow>();
    for (const job of jobs) {
      try {
        while (Date.now() - start < budgetMs && (await stepExportJob(env, job, now)));
      } catch (err) {
        console.error(`export job ${job.id} step failed; retried next tick`, err);
        await db.prepare('UPDATE export_jobs SET error = ?2, updated_at = ?3 WHERE id = ?1').bind(job.id, String(err).slice(0, 500), now).run();
      }
      if (Date.now() - start >= budgetMs) return;
    }
  }
}
