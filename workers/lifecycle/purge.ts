/**
 * Deletes a chunk of traces for real: the review hub's items, reviews and unflushed feedback of
 * them, their D1 rows (traces, spans, feedback, full-text rows, signal ledger, eval results,
 * insight memberships, LangSmith run links, experiment runs, batch locations) and their bytes
 * in R2: every batch holding a line of them (superseded copies included) and their attachments.
 * An R2 batch holds many traces: a batch holding only deleted traces is deleted; a mixed one
 * is re-packed without them under a new key, the surviving spans' refs are moved to it, and
 * only then is the old object deleted. Every step is idempotent, so a chunk interrupted
 * anywhere is simply redone (the caller stores the chunk before calling).
 */
import { dbFor } from '../platform/db.ts';
import { formatRef, insightReportKey, isBatchOf, parseBatch, parseRef } from '../store/batch-format.ts';
import { markTraces, recomputeStatements, rollupToken } from '../store/rollups.ts';
import { hubFor } from '../review/queues.ts';

export interface PurgeResult {
  traces: number;
  objectsDeleted: number;
  objectsRewritten: number;
  attachmentsDeleted: number;
}

/** The R2 keys of a span's `metadata.attachments` ({name: {key, ...}}) under the project's prefix. */
function attachmentKeys(projectId: string, json: string): string[] {
  let refs: unknown;
  try {
    refs = JSON.parse(json);
  } catch {
    return [];
  }
  if (!refs || typeof refs !== 'object') return [];
  const prefix = `attachments/${projectId}/`;
  return Object.values(refs as Record<string, { key?: unknown }>)
    .map((r) => r?.key)
    .filter((k): k is string => typeof k === 'string' && k.startsWith(prefix));
}

/**
 * The key a re-packed batch gets: derived from the old key only, so a redone chunk writes the
 * same bytes to the same key (offsets in refs already moved stay right). Chunks are stored
 * before they start, so a redo always drops the same traces.
 */
export function repackKey(key: string): string {
  const m = /-r(\d+)\.ndjson$/.exec(key);
  return m ? key.slice(0, m.index) + `-r${Number(m[1]) + 1}.ndjson` : key.replace(/\.ndjson$/, '') + '-r1.ndjson';
}

// D1: 100 bound parameters per statement, so id lists go in as one JSON parameter.
const IN_CHUNK = 'IN (SELECT value FROM json_each(?2))';

export async function purgeTraces(env: Env, projectId: string, traceIds: readonly string[]): Promise<PurgeResult> {
  const result: PurgeResult = { traces: traceIds.length, objectsDeleted: 0, objectsRewritten: 0, attachmentsDeleted: 0 };
  if (!traceIds.length) return result;
  const db = dbFor(env, projectId);
  const ids = JSON.stringify(traceIds);
  const doomed = new Set(traceIds);

  // 1. R2: every batch holding a line of these traces (trace_batches, which also names the
  // copies no ref points at any more), plus those the refs name, and their attachments.
  const [{ results: refRows }, { results: located }] = await db.batch<Record<string, string | null>>([
    db.prepare(`SELECT input_ref, output_ref, metadata ->> '$.attachments' AS attachments FROM spans WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`).bind(projectId, ids),
    db.prepare(`SELECT DISTINCT batch_key FROM trace_batches WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`).bind(projectId, ids),
  ]);
  const keys = new Set<string>();
  const attachments: string[] = [];
  for (const r of refRows) {
    for (const ref of [r.input_ref, r.output_ref]) {
      const p = parseRef(ref);
      if (p && isBatchOf(projectId, p.key)) keys.add(p.key);
    }
    if (r.attachments) attachments.push(...attachmentKeys(projectId, r.attachments));
  }
  for (const r of located) if (r.batch_key && isBatchOf(projectId, r.batch_key)) keys.add(r.batch_key);
  for (const key of keys) {
    const object = await env.BLOBS.get(key);
    if (!object) continue; // already handled by an interrupted run of this chunk
    const bytes = new Uint8Array(await object.arrayBuffer());
    const lines = parseBatch(bytes);
    const kept = lines.filter((l) => !doomed.has(l.span.trace_id));
    if (kept.length) {
      const newKey = repackKey(key);
      // The surviving lines are copied byte for byte (not re-serialized), so their payloads stay exactly as stored.
      const body = new Uint8Array(kept.reduce((n, l) => n + l.length + 1, 0));
      const moves: [string, string][] = [];
      let offset = 0;
      for (const l of kept) {
        body.set(bytes.subarray(l.offset, l.offset + l.length), offset);
        body[offset + l.length] = 10;
        moves.push([formatRef(key, l.offset, l.length), formatRef(newKey, offset, l.length)]);
        offset += l.length + 1;
      }
      await env.BLOBS.put(newKey, body, {
        httpMetadata: { contentType: 'application/x-ndjson' },
        customMetadata: { ...object.customMetadata, project_id: projectId, spans: String(kept.length), repacked_from: key },
      });
      // Refs are moved in slices so one statement's JSON stays small (D1 statement size 100 KB).
      const stmts: D1PreparedStatement[] = [];
      for (let i = 0; i < moves.length; i += 200) {
        const map = JSON.stringify(moves.slice(i, i + 200));
        for (const col of ['input_ref', 'output_ref'])
          stmts.push(
            db
              .prepare(`UPDATE spans SET ${col} = (SELECT j.value ->> 1 FROM json_each(?2) j WHERE j.value ->> 0 = spans.${col}) WHERE project_id = ?1 AND ${col} IN (SELECT j.value ->> 0 FROM json_each(?2) j)`)
              .bind(projectId, map),
          );
      }
      // The surviving traces' lines now live in the new object (the doomed traces' rows go in step 3).
      stmts.push(db.prepare('UPDATE OR IGNORE trace_batches SET batch_key = ?3 WHERE project_id = ?1 AND batch_key = ?2').bind(projectId, key, newKey));
      stmts.push(db.prepare('DELETE FROM trace_batches WHERE project_id = ?1 AND batch_key = ?2').bind(projectId, key));
      await db.batch(stmts);
      result.objectsRewritten++;
    } else result.objectsDeleted++;
    await env.BLOBS.delete(key);
  }
  // Files sent with the traces' LangSmith runs (R2 deletes up to 1,000 keys per call).
  for (let i = 0; i < attachments.length; i += 1000) await env.BLOBS.delete(attachments.slice(i, i + 1000));
  result.attachmentsDeleted = attachments.length;

  // Insight reports name example traces by id: the deleted ones are taken out of every report
  // they appear in (found through the memberships, deleted in step 3).
  const { results: reports } = await db.prepare(`SELECT DISTINCT report_id FROM insight_members WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`).bind(projectId, ids).all<{ report_id: string }>();
  for (const r of reports) await scrubReport(env, insightReportKey(projectId, r.report_id), doomed);

  // 2. The review hub first: once it forgot them, no outbox flush can write their feedback back.
  await hubFor(env, projectId).forgetTraces([...traceIds]);

  // 3. D1, in one transaction (a D1 batch): full-text rows first, keyed by the spans' rowids.
  const bind = (sql: string) => db.prepare(sql).bind(projectId, ids);
  // Dashboard roll-ups: the deleted traces' hours are marked first and rebuilt last, from what is left.
  const token = rollupToken();
  await db.batch([
    markTraces(db, projectId, token, ids),
    bind(`DELETE FROM spans_fts WHERE rowid IN (SELECT rowid * 2 FROM spans WHERE project_id = ?1 AND trace_id ${IN_CHUNK} UNION ALL SELECT rowid * 2 + 1 FROM spans WHERE project_id = ?1 AND trace_id ${IN_CHUNK})`),
    bind(`DELETE FROM spans WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM feedback WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM trace_signals WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM eval_matches WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM eval_results WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM insight_members WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM langsmith_runs WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM trace_batches WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    // An experiment run keeps a copy of its output: a deleted trace takes it along (the example then reads as missing).
    bind(`DELETE FROM experiment_runs WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    bind(`DELETE FROM traces WHERE project_id = ?1 AND trace_id ${IN_CHUNK}`),
    ...recomputeStatements(db, projectId, token),
  ]);
  return result;
}

/**
 * Takes deleted traces out of a finished report's example lists (`examples`,
 * `failingExamples` of every cluster, at any depth). Cluster names, terms and figures are
 * aggregates over many traces and stay as computed (docs/lifecycle.md).
 */
async function scrubReport(env: Env, key: string, doomed: Set<string>): Promise<void> {
  const object = await env.BLOBS.get(key);
  if (!object) return; // still running (its work files go at cleanup), or already gone
  let changed = false;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    for (const field of ['examples', 'failingExamples']) {
      const list = o[field];
      if (Array.isArray(list) && list.some((id) => doomed.has(id as string))) {
        o[field] = list.filter((id) => !doomed.has(id as string));
        changed = true;
      }
    }
    for (const child of Object.values(o)) if (child && typeof child === 'object') walk(child);
  };
  const report = await object.json();
  walk(report);
  if (changed) await env.BLOBS.put(key, JSON.stringify(report), { httpMetadata: object.httpMetadata, customMetadata: object.customMetadata });
}
