import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject, span, waitForTrace } from './helpers.ts';
import { addTraces, makeQueue } from './review-helpers.ts';
import { runLifecycle } from '../workers/lifecycle/cron.ts';
import { stepJob, type JobRow } from '../workers/lifecycle/deletion.ts';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Every R2 span batch of a project, as text. */
async function stored(projectId: string): Promise<string> {
  const listed = await env.BLOBS.list({ prefix: `spans/${projectId}/` });
  return (await Promise.all(listed.objects.map(async (o) => (await env.BLOBS.get(o.key))!.text()))).join('\n');
}

/** Posts traces in ONE batch (so they share an R2 object, which a deletion must re-pack) and waits for them. */
async function post(key: string, traces: { id: string; start: number; user?: string; word: string }[]) {
  const spans = traces.flatMap((t) => [
    span(`${t.id}-root`, t.id, { kind: 'agent', start_time: iso(t.start), end_time: iso(t.start + 1000), input: `question ${t.word}`, output: `answer ${t.word}`, user_id: t.user ?? null }),
    span(`${t.id}-llm`, t.id, { parent_id: `${t.id}-root`, kind: 'llm', start_time: iso(t.start + 10), end_time: iso(t.start + 900), input: { messages: [{ role: 'user', content: `details ${t.word}` }] }, output: `reply ${t.word}` }),
  ]);
  const res = await api('/v1/spans', { key, body: { spans } });
  expect(res.status, res.text).toBe(202);
  for (const t of traces) await waitForTrace(key, t.id, 2);
}

const found = async (key: string, word: string) => (await api(`/v1/traces?q=${word}`, { key })).json.traces.map((t: { id: string }) => t.id);

/** Runs the cron's lifecycle step until the job is finished (each tick takes chunks within its budget). */
async function finish(key: string, jobId: string) {
  for (let i = 0; i < 10; i++) {
    await runLifecycle(env);
    const job = (await api(`/v1/deletions/${jobId}`, { key })).json;
    if (job.status === 'done') return job;
  }
  throw new Error('job not done after 10 ticks');
}

describe('deletion that really deletes', () => {
  it("deletes everything of an end user: D1 rows, search, R2 bytes and the review queue, and leaves another user's traces in the same batch intact", async () => {
    const { key, projectId } = await makeProject('delete-user');
    const now = Date.now();
    await post(key, [
      { id: 'u1-a', start: now - 5000, user: 'user-1', word: 'zebrafinch' },
      { id: 'u1-b', start: now - 4000, user: 'user-1', word: 'zebrafinch' },
      { id: 'u2-a', start: now - 3000, user: 'user-2', word: 'kingfisher' },
    ]);
    expect((await api('/v1/feedback', { key, body: { trace_id: 'u1-a', key: 'thumbs', score: 0, comment: 'zebrafinch was wrong' } })).status).toBe(200);
    const queue = await makeQueue(key);
    await addTraces(key, queue.id, ['u1-a', 'u2-a']);

    const job = await api('/v1/deletions', { key, body: { user_id: 'user-1' } });
    expect(job.status, job.text).toBe(202);
    expect(job.json).toMatchObject({ kind: 'user', target: 'user-1', status: 'queued', deleted_traces: 0 });
    const done = await finish(key, job.json.id);
    expect(done).toMatchObject({ status: 'done', deleted_traces: 2, rewritten_objects: 1, error: null });
    expect(done.finished_at).not.toBeNull();

    for (const id of ['u1-a', 'u1-b']) expect((await api(`/v1/traces/${id}`, { key })).status).toBe(404);
    expect(await found(key, 'zebrafinch')).toEqual([]);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM feedback WHERE project_id = ? AND trace_id = ?').bind(projectId, 'u1-a').first<{ n: number }>())!.n).toBe(0);
    const raw = await stored(projectId);
    expect(raw).not.toContain('zebrafinch');
    expect(raw).toContain('kingfisher');
    // The other user's trace was re-packed into a new object: its payloads still read.
    const kept = await waitForTrace(key, 'u2-a', 2);
    expect(kept.spans.find((s: { id: string }) => s.id === 'u2-a-llm').input).toEqual({ messages: [{ role: 'user', content: 'details kingfisher' }] });
    expect(await found(key, 'kingfisher')).toEqual(['u2-a']);
    const items = (await api(`/v1/review-queues/${queue.id}/items`, { key })).json.items.map((i: { trace_id: string }) => i.trace_id);
    expect(items).toEqual(['u2-a']);
  });

  it('deletes one trace, or the traces a filter matches; a filter that does not parse or two targets at once are 400s', async () => {
    const { key } = await makeProject('delete-filter');
    const now = Date.now();
    await post(key, [
      { id: 'f-1', start: now - 3000, word: 'ptarmigan' },
      { id: 'f-2', start: now - 2000, word: 'ptarmigan' },
      { id: 'f-3', start: now - 1000, word: 'goldcrest' },
    ]);
    const bad = await api('/v1/deletions', { key, body: { filter: 'status = = error' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('filter');
    const two = await api('/v1/deletions', { key, body: { trace_id: 'f-1', user_id: 'x' } });
    expect(two.status).toBe(400);
    expect((await api('/v1/deletions', { key, body: {} })).status).toBe(400);

    const one = await api('/v1/deletions', { key, body: { trace_id: 'f-3' } });
    expect((await finish(key, one.json.id)).deleted_traces).toBe(1);
    const byFilter = await api('/v1/deletions', { key, body: { filter: 'ptarmigan' } });
    expect(byFilter.status, byFilter.text).toBe(202);
    expect((await finish(key, byFilter.json.id)).deleted_traces).toBe(2);
    expect((await api('/v1/traces', { key })).json.traces).toEqual([]);
  });

  it('removes every copy in R2: a span posted twice, an update without payloads, and the files of a LangSmith run', async () => {
    const { key, projectId } = await makeProject('delete-copies');
    const now = Date.now();
    await post(key, [{ id: 'c-1', start: now - 3000, word: 'firstcopy' }, { id: 'c-2', start: now - 2500, word: 'bystander' }]);
    // The same span again with a new input (the first copy stays in the first batch, no ref names it), then an
    // update that carries only metadata (a batch line no ref ever names).
    const again = await api('/v1/spans', { key, body: { spans: [span('c-1-root', 'c-1', { kind: 'agent', start_time: iso(now - 3000), end_time: iso(now - 2000), input: 'question secondcopy', output: 'answer secondcopy' })] } });
    expect(again.status, again.text).toBe(202);
    const meta = await api('/v1/spans', { key, body: { spans: [span('c-1-llm', 'c-1', { parent_id: 'c-1-root', start_time: iso(now - 2990), metadata: { note: 'metaonlyword' } })] } });
    expect(meta.status, meta.text).toBe(202);
    // A LangSmith run with an attachment, in a trace of its own.
    const run = '0190a1b2-c3d4-7e5f-8a9b-000000000042';
    const b = 'lifecycle-boundary';
    const runJson = JSON.stringify({ id: run, trace_id: run, dotted_order: `20260101T000000000000Z${run}`, name: 'vision', run_type: 'llm', start_time: now - 1000, end_time: now - 900, inputs: { q: 'attachmentrun' } });
    const body = `--${b}\r\ncontent-disposition: form-data; name="post.${run}"\r\ncontent-type: application/json\r\n\r\n${runJson}\r\n--${b}\r\ncontent-disposition: form-data; name="attachment.${run}.doc"\r\ncontent-type: text/plain\r\n\r\nattachedsecret\r\n--${b}--\r\n`;
    const ls = await api('/runs/multipart', { key, body, headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
    expect(ls.status, ls.text).toBe(202);
    await waitForTrace(key, run, 1);
    await eventually(async () => expect((await waitForTrace(key, 'c-1', 2)).spans.find((s: { id: string }) => s.id === 'c-1-llm').metadata?.note).toBe('metaonlyword'));
    expect(await stored(projectId)).toContain('firstcopy');
    expect(await env.BLOBS.get(`attachments/${projectId}/${run}/doc`)).not.toBeNull();

    for (const target of ['c-1', run]) {
      const job = await api('/v1/deletions', { key, body: { trace_id: target } });
      expect(job.status, job.text).toBe(202);
      expect(await finish(key, job.json.id)).toMatchObject({ status: 'done', deleted_traces: 1 });
    }
    const raw = await stored(projectId);
    for (const word of ['firstcopy', 'secondcopy', 'metaonlyword', 'attachmentrun']) expect(raw).not.toContain(word);
    expect(raw).toContain('bystander');
    expect(await env.BLOBS.get(`attachments/${projectId}/${run}/doc`)).toBeNull();
    expect((await env.DB.prepare('SELECT count(*) AS n FROM trace_batches WHERE project_id = ? AND trace_id IN (?, ?)').bind(projectId, 'c-1', run).first<{ n: number }>())!.n).toBe(0);
    expect((await waitForTrace(key, 'c-2', 2)).spans.find((s: { id: string }) => s.id === 'c-2-llm').output).toBe('reply bystander');
  });

  it('resumes a deletion interrupted halfway (after the R2 re-pack, before D1) and ends with nothing half deleted', async () => {
    const { key, projectId } = await makeProject('delete-resume');
    const now = Date.now();
    await post(key, [
      { id: 'r-1', start: now - 2000, user: 'gone', word: 'nightjar' },
      { id: 'r-2', start: now - 1000, user: 'stays', word: 'wagtail' },
    ]);
    const job = (await api('/v1/deletions', { key, body: { user_id: 'gone' } })).json;
    const row = (await env.DB.prepare('SELECT * FROM deletion_jobs WHERE id = ?').bind(job.id).first<JobRow>())!;
    // The review hub fails after R2 was re-packed (a deploy, a crash): the step throws with its chunk stored.
    const broken = { ...env, REVIEW_HUB: { idFromName: () => ({}), get: () => ({ forgetTraces: () => Promise.reject(new Error('hub unavailable')) }) } } as unknown as Env;
    await expect(stepJob(broken, row)).rejects.toThrow('hub unavailable');
    const mid = (await env.DB.prepare('SELECT status, pending FROM deletion_jobs WHERE id = ?').bind(job.id).first<{ status: string; pending: string }>())!;
    expect(mid.status).toBe('running');
    expect(JSON.parse(mid.pending)).toEqual(['r-1']);
    // The surviving trace reads correctly in between (its refs moved with the re-pack).
    expect((await waitForTrace(key, 'r-2', 2)).spans.find((s: { id: string }) => s.id === 'r-2-llm').output).toBe('reply wagtail');

    const done = await finish(key, job.id);
    expect(done).toMatchObject({ status: 'done', deleted_traces: 1 });
    expect((await api('/v1/traces/r-1', { key })).status).toBe(404);
    expect(await stored(projectId)).not.toContain('nightjar');
    expect((await waitForTrace(key, 'r-2', 2)).spans.find((s: { id: string }) => s.id === 'r-2-llm').output).toBe('reply wagtail');
  });

  it('waits for spans acknowledged before the request to be indexed, so they cannot bring the trace back', async () => {
    const { key, projectId } = await makeProject('delete-wait');
    await post(key, [{ id: 'w-1', start: Date.now() - 1000, user: 'late', word: 'dipper' }]);
    // A batch of this project acknowledged before the request and not indexed yet (it is in the ledger).
    await env.DB.prepare('INSERT INTO ingest_batches (key, project_id, spans, created_at, enqueued_at) VALUES (?, ?, 1, ?, ?)').bind(`spans/${projectId}/pending.ndjson`, projectId, Date.now() - 500, Date.now() - 500).run();
    const job = (await api('/v1/deletions', { key, body: { user_id: 'late' } })).json;
    await runLifecycle(env);
    expect((await api(`/v1/deletions/${job.id}`, { key })).json).toMatchObject({ status: 'queued', deleted_traces: 0 });
    await env.DB.prepare('DELETE FROM ingest_batches WHERE project_id = ?').bind(projectId).run();
    expect((await finish(key, job.id)).deleted_traces).toBe(1);
  });

  it("is one project's: another project's key cannot see the job, and deleting its own user of the same id leaves this project's traces", async () => {
    const a = await makeProject('delete-iso-a');
    const b = await makeProject('delete-iso-b');
    await post(a.key, [{ id: 'iso-1', start: Date.now() - 1000, user: 'shared-user', word: 'wryneck' }]);
    const job = (await api('/v1/deletions', { key: b.key, body: { user_id: 'shared-user' } })).json;
    expect((await api(`/v1/deletions/${job.id}`, { key: a.key })).status).toBe(404);
    await finish(b.key, job.id);
    expect((await waitForTrace(a.key, 'iso-1', 2)).spans).toHaveLength(2);
    expect(await found(a.key, 'wryneck')).toEqual(['iso-1']);
  });
});

describe('retention', () => {
  it('refuses periods out of range, naming the field', async () => {
    const { key } = await makeProject('retention-bad');
    for (const [body, path] of [
      [{ days: 7 }, 'days'],
      [{ days: 30, reviewed_days: 13 }, 'reviewed_days'],
      [{ days: 'always' }, 'days'],
      [{}, 'days'],
    ] as const) {
      const res = await api('/v1/retention', { key, method: 'PUT', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.path).toBe(path);
    }
    expect((await api('/v1/retention', { key })).json).toMatchObject({ days: 'forever', reviewed_days: null });
  });

  it('removes exactly the traces past the period from D1, search and R2, keeps reviewed traces for their longer period, and shows the stored size', async () => {
    const { key, projectId } = await makeProject('retention');
    const now = Date.now();
    await post(key, [
      { id: 'old-1', start: now - 20 * DAY, word: 'bittern' },
      { id: 'old-reviewed', start: now - 20 * DAY, word: 'avocet' },
      { id: 'ancient-reviewed', start: now - 500 * DAY, word: 'bittern' },
      { id: 'new-1', start: now - 2 * DAY, word: 'shelduck' },
    ]);
    for (const trace of ['old-reviewed', 'ancient-reviewed']) {
      expect((await api('/v1/feedback', { key, body: { trace_id: trace, key: 'correct', score: 1, source: 'human', author: 'r@example.com' } })).status).toBe(200);
    }
    const before = (await api('/v1/retention', { key })).json.stored;
    expect(before).toMatchObject({ traces: 4, spans: 8 });
    expect(before.payload_bytes).toBeGreaterThan(0);
    const set = await api('/v1/retention', { key, method: 'PUT', body: { days: 14, reviewed_days: 400 } });
    expect(set.status, set.text).toBe(200);
    expect(set.json).toMatchObject({ days: 14, reviewed_days: 400 });

    await runLifecycle(env);
    await runLifecycle(env);
    const left = (await api('/v1/traces', { key })).json.traces.map((t: { id: string }) => t.id).sort();
    expect(left).toEqual(['new-1', 'old-reviewed']);
    expect(await found(key, 'bittern')).toEqual([]);
    const raw = await stored(projectId);
    expect(raw).not.toContain('bittern');
    expect(raw).toContain('avocet');
    expect((await waitForTrace(key, 'new-1', 2)).spans.find((s: { id: string }) => s.id === 'new-1-llm').output).toBe('reply shelduck');
    expect((await api('/v1/retention', { key })).json.stored).toMatchObject({ traces: 2, spans: 4 });
    // Nothing more is due: no further pass is queued.
    await runLifecycle(env);
    const passes = await env.DB.prepare("SELECT count(*) AS n FROM deletion_jobs WHERE project_id = ? AND kind = 'retention'").bind(projectId).first<{ n: number }>();
    expect(passes!.n).toBe(1);
  });

  it('takes a batch whose traces are all due in one step: a batch shared with a kept trace is re-packed once, not once per chunk', async () => {
    const { key, projectId } = await makeProject('retention-batch');
    const now = Date.now();
    // 60 due traces (more than one chunk of 25) and one recent trace, all in one R2 batch.
    const old = Array.from({ length: 60 }, (_, i) => ({ id: `due-${i}`, start: now - 30 * DAY + i * 1000, word: 'godwit' }));
    await post(key, [...old, { id: 'recent', start: now - DAY, word: 'whimbrel' }]);
    expect((await api('/v1/retention', { key, method: 'PUT', body: { days: 14 } })).status).toBe(200);
    await runLifecycle(env);
    await runLifecycle(env);
    const job = await env.DB.prepare("SELECT status, deleted_traces, rewritten_objects FROM deletion_jobs WHERE project_id = ? AND kind = 'retention'").bind(projectId).first();
    expect(job).toEqual({ status: 'done', deleted_traces: 60, rewritten_objects: 1 });
    expect((await api('/v1/traces', { key })).json.traces.map((t: { id: string }) => t.id)).toEqual(['recent']);
    const raw = await stored(projectId);
    expect(raw).not.toContain('godwit');
    expect(raw).toContain('whimbrel');
  });
});
