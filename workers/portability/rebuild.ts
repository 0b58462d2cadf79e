/**
 * Rebuild a project's D1 index from its R2 raw log: the spans, their full-text entries and
 * the trace roll-ups are exactly what the indexer derives from the R2 batches
 * (workers/store/indexer.ts), so wiping them and indexing every batch again, in key (= time)
 * order, ends with the same rows. Everything else in D1 (feedback, reviews, evaluators,
 * rules, datasets, experiments, settings) is not in R2 and is left untouched: it comes back
 * from an export (export.ts) or a D1 backup, not from a rebuild.
 *
 * It runs in steps, each bounded (a Worker invocation has a CPU and subrequest budget, and
 * D1 a per-query time limit), driven by a caller that passes back the cursor each step
 * returns (scripts/rebuild.ts). Two phases: `wipe` deletes the index rows a chunk at a time,
 * then `index` lists the R2 batches and indexes a few per step. The cursor is all the state,
 * so a step that dies is simply sent again: wiping is idempotent, and so is indexing.
 * While it runs, reads of the project see a partial index; the project's other data and
 * ingest keep working (spans arriving meanwhile are indexed by the queue as usual, and again
 * by the rebuild if their batch is listed after they land: idempotent either way).
 */
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { parseBatch } from '../store/batch-format.ts';
import { prepareBatch, writeBatches, type PreparedBatch } from '../store/indexer.ts';
import { batchPrefix } from './export.ts';

/** Span rows removed per wipe statement group (FTS rows first, found through the span rowids). */
const WIPE_CHUNK = 2_000;
/** Batches indexed per step: each is one R2 read, and all go in one D1 transaction. */
const INDEX_CHUNK = 10;

/** Where a rebuild is. */
interface Cursor {
  phase: 'wipe' | 'index';
  /** R2 list cursor for the index phase. */
  r2?: string;
}

/** What one step did. */
export interface RebuildStep {
  project_id: string;
  phase: 'wipe' | 'index';
  /** Send it back for the next step; null when the rebuild is done. */
  cursor: string | null;
  done: boolean;
  deleted_spans: number;
  deleted_traces: number;
  batches: number;
  spans: number;
}

function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify(c));
}

function decodeCursor(s: string | null | undefined): Cursor {
  if (!s) return { phase: 'wipe' };
  try {
    const c = JSON.parse(atob(s)) as Cursor;
    if ((c.phase === 'wipe' || c.phase === 'index') && (c.r2 === undefined || typeof c.r2 === 'string')) return c;
  } catch {
    // falls through to the 400
  }
  throw new ApiError(400, 'invalid_request', 'cursor: not a cursor a rebuild step returned', 'cursor');
}

/** Runs one bounded step of the rebuild of `projectId`; start with no cursor. */
export async function rebuildStep(env: Env, projectId: string, cursorText?: string | null, now = Date.now()): Promise<RebuildStep> {
  const cursor = decodeCursor(cursorText);
  const db = dbFor(env, projectId);
  const out: RebuildStep = { project_id: projectId, phase: cursor.phase, cursor: null, done: false, deleted_spans: 0, deleted_traces: 0, batches: 0, spans: 0 };
  if (cursor.phase === 'wipe') {
    const { results } = await db.prepare(`SELECT rowid AS r FROM spans WHERE project_id = ?1 LIMIT ${WIPE_CHUNK}`).bind(projectId).all<{ r: number }>();
    const ids = JSON.stringify(results.map((x) => x.r));
    // One transaction: a span row never outlives its FTS entries or the other way round.
    const [, spans, , traces] = await db.batch([
      db.prepare('DELETE FROM spans_fts WHERE rowid IN (SELECT value * 2 FROM json_each(?1) UNION ALL SELECT value * 2 + 1 FROM json_each(?1))').bind(ids),
      db.prepare('DELETE FROM spans WHERE rowid IN (SELECT value FROM json_each(?1))').bind(ids),
      // Their dashboard roll-ups go stale: the hours wait for re-indexing or the cron pass (workers/store/rollups.ts).
      db.prepare(`INSERT INTO stats_dirty (project_id, hour, token) SELECT DISTINCT ?1, start_time - (start_time % 3600000), NULL FROM traces WHERE rowid IN (SELECT rowid FROM traces WHERE project_id = ?1 LIMIT ${WIPE_CHUNK}) AND ?2 = 0 ON CONFLICT DO NOTHING`).bind(projectId, results.length),
      // Traces go once their spans are all gone, a chunk at a time too.
      db.prepare(`DELETE FROM traces WHERE rowid IN (SELECT rowid FROM traces WHERE project_id = ?1 LIMIT ${WIPE_CHUNK}) AND ?2 = 0`).bind(projectId, results.length),
    ]);
    out.deleted_spans = spans.meta.changes ?? 0;
    out.deleted_traces = traces.meta.changes ?? 0;
    const wipedAll = results.length === 0 && out.deleted_traces === 0;
    out.cursor = encodeCursor(wipedAll ? { phase: 'index' } : { phase: 'wipe' });
    return out;
  }
  const page = await env.BLOBS.list({ prefix: batchPrefix(projectId), cursor: cursor.r2, limit: INDEX_CHUNK });
  const batches: PreparedBatch[] = [];
  for (const o of page.objects) {
    const object = await env.BLOBS.get(o.key);
    if (!object) continue; // removed by a deletion since the list: nothing to index
    batches.push(prepareBatch(projectId, o.key, parseBatch(new Uint8Array(await object.arrayBuffer()))));
  }
  // Key order is time order (batchKey), and writeBatches keeps row order: later posts of a span merge over earlier ones as on ingest.
  const written = await writeBatches(db, batches, now);
  out.batches = batches.length;
  out.spans = written.spans;
  if (page.truncated) out.cursor = encodeCursor({ phase: 'index', r2: page.cursor });
  else out.done = true;
  return out;
}
