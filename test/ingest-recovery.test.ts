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
import { sweepUnindexedBatches, SWEEP_AFTER_MS, SWEEP_DEAD_AFTER_MS } from '../workers/store/sweeper.ts';

/** The env with an ingest queue that loses every message it is given. */
const losingQueue = { ...env, INGEST_QUEUE: { send: async () => {}, sendBatch: async () => {} } } as unknown as Env;

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
});
