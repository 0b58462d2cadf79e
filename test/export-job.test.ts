/**
 * Export jobs (POST /v1/exports): the file the cron writes to R2 in parts holds exactly the
 * records of the streamed GET /v1/export; a step redone after a crash writes no record
 * twice; a deletion finishing after the export started deletes its file; another project
 * cannot see it.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, span, waitForTrace } from './helpers.ts';
import { runExportJobs, stepExportJob } from '../workers/portability/export-job.ts';
import { runLifecycle } from '../workers/lifecycle/cron.ts';
import { dbFor } from '../workers/platform/db.ts';

/** Posts `traces` traces of 10 spans whose inputs are ~`kb` KB each (so the export spans several 5 MiB parts). */
async function postBulky(key: string, prefix: string, traces: number, kb: number) {
  const filler = (i: number) => `${prefix} ${i} `.padEnd(kb * 1024, 'lorem ipsum dolor sit amet ');
  for (let t = 0; t < traces; t++) {
    const traceId = `${prefix}-${t}`;
    const spans = Array.from({ length: 10 }, (_, i) => span(`${traceId}-s${i}`, traceId, i ? { parent_id: `${traceId}-s0`, input: filler(i), output: `out ${i}` } : { input: filler(i), output: 'done' }));
    const res = await api('/v1/spans', { key, body: { spans } });
    expect(res.status, res.text).toBe(202);
  }
  for (let t = 0; t < traces; t++) await waitForTrace(key, `${prefix}-${t}`, 10);
}

/** The export's records without the header (its exported_at is the export's own time). */
const records = (text: string) => text.trimEnd().split('\n').slice(1);

async function jobRow(projectId: string, id: string) {
  return (await dbFor(env, projectId).prepare('SELECT * FROM export_jobs WHERE id = ?1').bind(id).first<any>())!;
}

async function finish(key: string, id: string) {
  for (let i = 0; i < 20; i++) {
    await runExportJobs(env);
    const job = (await api(`/v1/exports/${id}`, { key })).json;
    if (job.status !== 'queued' && job.status !== 'running') return job;
  }
  throw new Error('export not finished after 20 ticks');
}

describe('export jobs', () => {
  it('writes the same records as the streamed export to one R2 file in equal parts, then serves it', async () => {
    const { key, projectId } = await makeProject('export-job');
    await postBulky(key, 'bulk', 12, 100); // ~12 MB of inputs: two whole 5 MiB parts and a last one
    expect((await api('/v1/feedback', { key, body: { trace_id: 'bulk-0', key: 'correct', score: 1 } })).status).toBe(200);

    const created = await api('/v1/exports', { key, method: 'POST' });
    expect(created.status, created.text).toBe(202);
    expect(created.json).toMatchObject({ status: 'queued', records: 0, download: null });
    const early = await api(`/v1/exports/${created.json.id}/file`, { key });
    expect(early.status).toBe(409);
    expect(early.json.error.message).toContain('queued');

    const job = await finish(key, created.json.id);
    expect(job).toMatchObject({ status: 'done', download: `/v1/exports/${created.json.id}/file`, error: null });
    expect(job).not.toHaveProperty('upload_id'); // the wire shape carries no upload internals
    const row = await jobRow(projectId, created.json.id);
    expect(JSON.parse(row.parts).length).toBe(3);

    const file = await api(job.download, { key });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('application/x-ndjson');
    expect(Number(file.headers.get('content-length'))).toBe(job.bytes);
    const streamed = await api('/v1/export', { key });
    expect(records(file.text)).toEqual(records(streamed.text));
    expect(JSON.parse(file.text.trimEnd().split('\n').pop()!)).toEqual({ type: 'end', records: job.records });
    // Only the file is left in R2 (the carried remainders between parts are gone).
    const left = await env.BLOBS.list({ prefix: `exports/${projectId}/` });
    expect(left.objects.map((o) => o.key)).toEqual([`exports/${projectId}/${created.json.id}.jsonl`]);

    // Another project sees neither the job nor its file.
    const other = await makeProject('export-job-other');
    expect((await api(`/v1/exports/${created.json.id}`, { key: other.key })).status).toBe(404);
    expect((await api(`/v1/exports/${created.json.id}/file`, { key: other.key })).status).toBe(404);
    expect((await api('/v1/exports', { key: other.key })).json.exports).toEqual([]);
  });

  it('a step redone after a crash (its progress never stored) writes no record twice', async () => {
    const { key, projectId } = await makeProject('export-job-crash');
    await postBulky(key, 'crash', 8, 100);
    const { json: created } = await api('/v1/exports', { key, method: 'POST' });
    // The first step runs and stores its progress; then the same step runs again from the
    // state read before it, as a step killed before its final write would be redone.
    await stepExportJob(env, await jobRow(projectId, created.id)); // creates the upload
    const before = await jobRow(projectId, created.id);
    await stepExportJob(env, { ...before });
    await stepExportJob(env, { ...before });
    const job = await finish(key, created.id);
    expect(job.status).toBe('done');
    const file = await api(job.download, { key });
    expect(records(file.text)).toEqual(records((await api('/v1/export', { key })).text));
  });

  it('a deletion finishing after the export started deletes its file', async () => {
    const { key, projectId } = await makeProject('export-job-deleted');
    await postBulky(key, 'gone', 2, 10);
    const { json: created } = await api('/v1/exports', { key, method: 'POST' });
    expect((await finish(key, created.id)).status).toBe('done');
    const deletion = await api('/v1/deletions', { key, body: { trace_id: 'gone-0' } });
    expect(deletion.status, deletion.text).toBe(202);
    await runLifecycle(env);
    expect((await api(`/v1/deletions/${deletion.json.id}`, { key })).json.status).toBe('done');
    await runExportJobs(env);
    const job = (await api(`/v1/exports/${created.id}`, { key })).json;
    expect(job.status).toBe('expired');
    expect(job.error).toContain('deletion');
    const file = await api(`/v1/exports/${created.id}/file`, { key });
    expect(file.status).toBe(409);
    expect(file.json.error.message).toContain('gone');
    expect((await env.BLOBS.list({ prefix: `exports/${projectId}/` })).objects).toEqual([]);
    // A new export made after the deletion is kept, and no longer holds the deleted trace.
    const { json: again } = await api('/v1/exports', { key, method: 'POST' });
    const done = await finish(key, again.id);
    expect(done.status).toBe('done');
    const text = (await api(done.download, { key })).text;
    expect(text).not.toContain('gone-0');
    expect(text).toContain('gone-1');
  });

  it('needs the admin scope', async () => {
    const { key } = await makeProject('export-job-scope', ['ingest', 'read']);
    expect((await api('/v1/exports', { key, method: 'POST' })).status).toBe(403);
  });
});
