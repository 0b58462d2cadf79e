/**
 * A whole project as JSONL, streamed: one record per line, each with a `type`.
 * - `{"type":"loupe_export","version":1,"project":{"id","name"},"exported_at"}` first;
 * - `{"type":"<table>","row":{...}}` for every row of the D1-only tables (tables.ts);
 * - `{"type":"span","batch":"<path>","span":{...}}` for every line of every R2 batch of
 *   the project, in key (= time) order: the span exactly as stored, input and output
 *   included. Traces, span rows, full-text entries and roll-ups are not records of their
 *   own: they are what the indexer derives from these lines, on import as on ingest.
 * - `{"type":"end","records":N}` last, so a reader can tell a cut-off download from a whole one.
 *
 * Memory stays bounded whatever the project's size: D1 is read a page at a time by rowid
 * cursor and R2 one batch object at a time (a Worker has 128 MB), and each page is pushed
 * only when the reader pulls.
 */
import { dbFor, controlDb } from '../platform/db.ts';
import { PORTABLE_TABLES } from './tables.ts';

/** Rows per D1 read. D1 answers up to ~2 MB comfortably; 500 rows of these tables is far below. */
const PAGE = 500;
/** R2 list pages of batch keys (R2 returns at most 1,000 per list call). */
const LIST_PAGE = 200;

const encoder = new TextEncoder();

/** The R2 prefix holding a project's batches. */
export function batchPrefix(projectId: string): string {
  return `spans/${projectId}/`;
}

/** Where an export has got to: plain JSON, so an export job (export-job.ts) can store it between steps. */
export type ExportCursor = {
  step: { kind: 'header' } | { kind: 'table'; index: number; after: number } | { kind: 'batches'; cursor?: string; keys: string[]; listed: boolean } | { kind: 'end' } | { kind: 'done' };
  records: number;
  /** The export's time (the header's exported_at). */
  now: number;
};

export function startExport(now = Date.now()): ExportCursor {
  return { step: { kind: 'header' }, records: 0, now };
}

/** Streams the project's export; nothing of another project can appear (every read is scoped to `projectId`). */
export function exportProject(env: Env, projectId: string, now = Date.now()): ReadableStream<Uint8Array> {
  const cursor = startExport(now);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Each pull produces one page; an empty page just moves on (the loop) so a pull always enqueues or closes.
        for (;;) {
          const text = await exportPage(env, projectId, cursor);
          if (text === null) {
            controller.close();
            return;
          }
          if (text) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * The next page of the export (one D1 page of a table, or one R2 batch's lines), advancing
 * `cursor`; '' when a step produced nothing, null when the export is over.
 */
export async function exportPage(env: Env, projectId: string, cursor: ExportCursor): Promise<string | null> {
  const db = dbFor(env, projectId);
  const line = (s: string) => {
    cursor.records++;
    return s + '\n';
  };
  const step = cursor.step;
  switch (step.kind) {
    case 'header': {
      const project = await controlDb(env).prepare('SELECT id, name FROM projects WHERE id = ?1').bind(projectId).first<{ id: string; name: string }>();
      cursor.step = { kind: 'table', index: 0, after: 0 };
      return line(JSON.stringify({ type: 'loupe_export', version: 1, project: project ?? { id: projectId, name: null }, exported_at: new Date(cursor.now).toISOString() }));
    }
    case 'table': {
      const table = PORTABLE_TABLES[step.index];
      if (!table) {
        cursor.step = { kind: 'batches', keys: [], listed: false };
        return '';
      }
      const cols = table.columns.map((c) => `"${c}"`).join(', ');
      const { results } = await db
        .prepare(`SELECT rowid AS "__rowid", ${cols} FROM "${table.name}" WHERE project_id = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ${PAGE}`)
        .bind(projectId, step.after)
        .all<Record<string, unknown>>();
      if (results.length < PAGE) cursor.step = { kind: 'table', index: step.index + 1, after: 0 };
      else cursor.step = { ...step, after: Number(results[results.length - 1].__rowid) };
      let out = '';
      for (const row of results) {
        delete row.__rowid;
        table.scrub?.(row);
        out += line(JSON.stringify({ type: table.name, row }));
      }
      return out;
    }
    case 'batches': {
      if (!step.keys.length) {
        if (step.listed && !step.cursor) {
          cursor.step = { kind: 'end' };
          return '';
        }
        const page = await env.BLOBS.list({ prefix: batchPrefix(projectId), cursor: step.cursor, limit: LIST_PAGE });
        cursor.step = { kind: 'batches', keys: page.objects.map((o) => o.key), cursor: page.truncated ? page.cursor : undefined, listed: true };
        return '';
      }
      const key = step.keys.shift()!;
      const object = await env.BLOBS.get(key);
      // Gone between list and get (a deletion re-packed or removed it): nothing left to export.
      if (!object) return '';
      const batch = JSON.stringify(key.slice(batchPrefix(projectId).length));
      let out = '';
      for (const raw of (await object.text()).split('\n')) {
        // Lines are JSON.stringify output, copied verbatim: payloads leave exactly as stored.
        if (raw) out += line(`{"type":"span","batch":${batch},"span":${raw}}`);
      }
      return out;
    }
    case 'end':
      cursor.step = { kind: 'done' };
      return JSON.stringify({ type: 'end', records: cursor.records }) + '\n';
    case 'done':
      return null;
  }
}
