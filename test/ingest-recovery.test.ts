/**
 * Nothing acknowledged is lost when a queue message is: every batch answered 202 is in the
 * ledger until indexed, and the sweeper (the every-minute cron) re-sends what is left.
 * The lost message is the fault a killed `wrangler dev` causes (local queues do not survive
 * it); here the batch is written through the real writer with a queue that drops the send,
 * which leaves exactly the state such a crash leaves: the R2 object and its ledger row.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, waitForTrace, span, eventually } from './helpers.ts';
import { writeSpanBatch } from '../workers/store/batch-writer.ts';
import { validateSpans } from '../workers/ingest/validate.ts';
import { sweepTraceSignals, sweepUnindexedBatches, SWEEP_AFTER_MS, SWEEP_DEAD_AFTER_MS } from '../workers/store/sweeper.ts';
import { sweepEvalWork, STALLED_JOB_AFTER_MS } from '../workers/evals/sweeper.ts';
import { signalCompleted } from '../workers/store/ingest-consumer.ts';
import { createEvaluator } from './evals-helpers.ts';
import { makeQueue, reviewProject } from './review-helpers.ts';

/** The env with an ingest queue that loses every message it is given. */
const lost = { send: async () => {}, sendBatch: async () => {} };
const losingQueue = { ...env, INGEST_QUEUE: lost } as unknown as Env;
/** The env whose evals and review queues lose what they are given (a crash during the quiet period). */
const losingSignals = { ...env, EVAL_QUEUE: lost, REVIEW_QUEUE: lost } as unknown as Env;

const signals = async (projectId: string) => (await env.DB.prepare('SELECT channel, trace_id FROM trace_signals WHERE project_id = ? ORDER BY channel').bind(projectId).all<{ channel: string; trace_id: string }>()).results;
const updatedAt = async (projectId: string, traceId: string) => (await env.DB.prepare('SELECT updated_at FROM traces WHERE project_id = ? AND trace_id = ?').bind(projectId, traceId).first<{ updated_at: number }>())!.updated_at;

const ledger = async () => (await env.DB.prepare('SELECT key, project_id, sweeps FROM ingest_batches ORDER BY created_at').all<{ key: string; project_id: string; sweeps: number }>()).results;

function traceSpans(traceId: string, n: number) {
  const spans = [span('root', traceId, { kind: 'agent', end_time: '2026-01-01T00:00:05.000Z', output: 'done' })];
  for (let i = 1; i < n; i++) spans.push(span(`s${i}`, traceId, { parent_id: 'root', kind: 'tool', input: { i } }));
  return validateSpans(spans).spans;
}

describe('the ingest ledger and sweeper', () => {
  it('keeps a batch in the ledger until it is indexed, then clears it', async () => {
    const { key } = await makeProject('ledger');
    const res = await api('/v1/spans', { key, body: { spans: [span('root', 'ledger-1', { end_time: '2026-01-01T00:00:01.000Z' })] } });
    expect(res.status).toBe(202);
    await waitForTrace(key, 'ledger-1');
    await eventually(async () => expect(await ledger()).toEqual([]));
  });

  it("does not index a batch again for a sweeper's copy that arrives after the batch was indexed", async () => {
    const { key, projectId } = await makeProject('stale-copy');
    const { key: indexed } = await writeSpanBatch(env, projectId, traceSpans('copy-done', 3), 'native');
    await waitForTrace(key, 'copy-done', 3);
    await eventually(async () => expect((await ledger()).map((r) => r.key)).not.toContain(indexed));
    const before = await updatedAt(projectId, 'copy-done');
    // A second batch still in the ledger (its own message lost) is the control: its swept copy is indexed.
    const { key: waiting } = await writeSpanBatch(losingQueue, projectId, traceSpans('copy-waiting', 2), 'native');
    await new Promise((r) => setTimeout(r, 5));
    await env.INGEST_QUEUE.sendBatch([
      { body: { v: 1, project_id: projectId, key: indexed, swept: true } },
      { body: { v: 1, project_id: projectId, key: waiting, swept: true } },
    ]);
    await waitForTrace(key, 'copy-waiting', 2);
    await eventually(async () => expect(await ledger()).toEqual([]));
    expect(await updatedAt(projectId, 'copy-done')).toBe(before);
  });

  it('brings back an acknowledged batch whose queue message was lost, exactly once', async () => {
    const { key, projectId } = await makeProject('lost-message');
    const { key: batch } = await writeSpanBatch(losingQueue, projectId, traceSpans('lost-1', 5), 'native');
    expect((await ledger()).map((r) => r.key)).toEqual([batch]);
    // Not due yet: a batch in flight is left to its own message.
    expect((await sweepUnindexedBatches(env, Date.now())).resent).toBe(0);
    expect((await api('/v1/traces/lost-1', { key })).status).toBe(404);

    // A minute on, the sweep re-sends it; twice (two overlapping cron runs) must not double anything.
    const later = Date.now() + SWEEP_AFTER_MS + 1;
    expect(await sweepUnindexedBatches(env, later)).toMatchObject({ resent: 1 });
    expect(await sweepUnindexedBatches(env, later + SWEEP_AFTER_MS + 1)).toMatchObject({ resent: 1 });
    const tree = await waitForTrace(key, 'lost-1', 5);
    expect(tree.trace.span_count).toBe(5);
    expect(tree.spans.map((s: { id: string }) => s.id).sort()).toEqual(['root', 's1', 's2', 's3', 's4']);
    await eventually(async () => expect(await ledger()).toEqual([]));
    expect(await sweepUnindexedBatches(env, later + 10 * SWEEP_AFTER_MS)).toEqual({ resent: 0, pending: 0 });
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM spans WHERE project_id = ? AND trace_id = ?').bind(projectId, 'lost-1').first<{ n: number }>();
    expect(rows?.n).toBe(5);
  });

  it('re-sends a batch that reached the dead-letter queue only hourly, and clears its failure once indexed', async () => {
    const { key, projectId } = await makeProject('dead-letter');
    const { key: batch } = await writeSpanBatch(losingQueue, projectId, traceSpans('dead-1', 2), 'native');
    await env.DB.prepare('INSERT INTO ingest_failures (key, project_id, attempts, last_error, failed_at, dead_at) VALUES (?, ?, 6, ?, ?, ?)').bind(batch, projectId, 'D1 unavailable', Date.now(), Date.now()).run();
    expect((await sweepUnindexedBatches(env, Date.now() + 2 * SWEEP_AFTER_MS)).resent).toBe(0);
    expect((await sweepUnindexedBatches(env, Date.now() + SWEEP_DEAD_AFTER_MS + 1)).resent).toBe(1);
    await waitForTrace(key, 'dead-1', 2);
    await eventually(async () => {
      expect(await ledger()).toEqual([]);
      expect(await env.DB.prepare('SELECT key FROM ingest_failures WHERE key = ?').bind(batch).first()).toBeNull();
    });
  });

  it('runs the sweep from the every-minute cron', async () => {
    const { key, projectId } = await makeProject('cron-sweep');
    await writeSpanBatch(losingQueue, projectId, traceSpans('cron-1', 1), 'native');
    await env.DB.prepare('UPDATE ingest_batches SET enqueued_at = enqueued_at - ?').bind(SWEEP_AFTER_MS + 1).run();
    const { default: worker } = await import('../workers/index.ts');
    await worker.scheduled({ cron: '* * * * *', scheduledTime: Date.now(), noRetry() {} } as ScheduledController, env);
    await waitForTrace(key, 'cron-1');
  });

  it('evaluates and routes a completed trace whose delayed signals were lost, once', async () => {
    const p = await reviewProject(['reviewer']);
    await api('/v1/spans', { key: p.key, body: { spans: [span('root', 'quiet-1', { end_time: '2026-01-01T00:00:01.000Z', status: 'error', error: 'boom' })] } });
    await waitForTrace(p.key, 'quiet-1');
    await eventually(async () => expect(await signals(p.projectId)).toEqual([]));
    // Now a rule and a routing rule exist, and the trace's completion signals are lost.
    const ev = await createEvaluator(p.key, { template: 'error_free' });
    expect((await api('/v1/rules', { key: p.key, body: { name: 'all', evaluator_ids: [ev.id] } })).status).toBe(201);
    const q = await makeQueue(p.key);
    expect((await api(`/v1/review-queues/${q.id}/rules`, { key: p.key, body: { filter: 'status=error' } })).status).toBe(201);
    await signalCompleted(losingSignals, p.projectId, [['quiet-1', await updatedAt(p.projectId, 'quiet-1')]]);
    expect((await signals(p.projectId)).map((r) => r.channel)).toEqual(['evals', 'review']);

    // Not due yet (the quiet period plus a minute): nothing re-sent.
    expect((await sweepTraceSignals(env, Date.now())).resent).toBe(0);
    const due = Date.now() + 11_000 + SWEEP_AFTER_MS;
    expect((await sweepTraceSignals(env, due)).resent).toBe(2);
    expect((await sweepTraceSignals(env, due + SWEEP_AFTER_MS + 1)).resent).toBe(2); // overlapping sweeps before the consumers ran
    await eventually(async () => {
      const fb = await api('/v1/traces/quiet-1', { key: p.key });
      expect(fb.json.feedback.filter((f: { key: string }) => f.key === ev.key)).toHaveLength(1);
      const items = await api(`/v1/review-queues/${q.id}/items?limit=50`, { key: p.key });
      expect(items.json.items.map((i: { trace_id: string }) => i.trace_id)).toEqual(['quiet-1']);
      expect(await signals(p.projectId)).toEqual([]);
    }, 20_000);
    const results = await env.DB.prepare('SELECT count(*) AS n FROM eval_results WHERE project_id = ? AND trace_id = ?').bind(p.projectId, 'quiet-1').first<{ n: number }>();
    expect(results?.n).toBe(1);
  });

  it('re-sends an evaluation job whose message was lost, only once it has stalled', async () => {
    const { key, projectId } = await makeProject('stalled-job');
    const ev = await createEvaluator(key, { template: 'error_free' });
    const rule = (await api('/v1/rules', { key, body: { name: 'all', evaluator_ids: [ev.id], active: false } })).json;
    await api('/v1/spans', { key, body: { spans: [span('root', 'stall-1', { end_time: '2026-01-01T00:00:01.000Z' })] } });
    await waitForTrace(key, 'stall-1');
    // The state a lost job message leaves: the run log says queued, nothing is coming.
    const old = Date.now() - STALLED_JOB_AFTER_MS - 1;
    await env.DB.prepare("INSERT INTO eval_results (project_id, rule_id, run_id, trace_id, span_id, evaluator_id, status, attempts, created_at, updated_at) VALUES (?, ?, 'online', 'stall-1', '', ?, 'queued', 0, ?, ?)").bind(projectId, rule.id, ev.id, old, old).run();
    expect((await sweepEvalWork(env, Date.now() - 60_000)).jobs).toBe(0);
    expect((await sweepEvalWork(env)).jobs).toBe(1);
    await eventually(async () => {
      const row = await env.DB.prepare('SELECT status FROM eval_results WHERE project_id = ? AND trace_id = ?').bind(projectId, 'stall-1').first<{ status: string }>();
      expect(row?.status).toBe('scored');
    });
    expect((await sweepEvalWork(env, Date.now() + STALLED_JOB_AFTER_MS * 2)).jobs).toBe(0);
  });
});
