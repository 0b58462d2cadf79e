import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import worker from '../workers/index.ts';
import { indexBatch } from '../workers/store/indexer.ts';
import { batchKey, encodeBatch } from '../workers/store/batch-format.ts';
import type { IngestMessage } from '../schema/queues.ts';
import { makeProject, api } from './helpers.ts';

/** Puts a batch object in R2 directly (bypassing the route) and returns its queue message. */
async function putBatch(projectId: string, lines: string): Promise<IngestMessage> {
  const key = batchKey(projectId);
  await env.BLOBS.put(key, lines);
  return { v: 1, project_id: projectId, key };
}

const counts = async (projectId: string) =>
  env.DB.prepare(
    `SELECT (SELECT count(*) FROM spans WHERE project_id = ?1) AS spans, (SELECT count(*) FROM traces WHERE project_id = ?1) AS traces,
            (SELECT count(*) FROM spans_fts f JOIN spans s ON s.rowid = f.rowid >> 1 WHERE spans_fts MATCH 'needle' AND s.project_id = ?1) AS fts`,
  )
    .bind(projectId)
    .first<{ spans: number; traces: number; fts: number }>();

describe('ingest queue consumer', () => {
  it('a redelivered batch leaves no duplicates', async () => {
    const { projectId, key } = await makeProject();
    const message = await putBatch(
      projectId,
      encodeBatch([
        { id: 'r', trace_id: 'T', name: 'root', kind: 'agent', start_time: 1767225600000, input: 'needle in input' },
        { id: 'c', trace_id: 'T', parent_id: 'r', name: 'child', kind: 'llm', start_time: 1767225600001, output: 'needle out', usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } },
      ]),
    );
    for (let delivery = 0; delivery < 3; delivery++) {
      const batch = createMessageBatch<IngestMessage>('loupe-ingest', [{ id: `m${delivery}`, timestamp: new Date(), attempts: delivery + 1, body: message }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([`m${delivery}`]);
    }
    expect(await counts(projectId)).toEqual({ spans: 2, traces: 1, fts: 2 });
    const tree = (await api('/v1/traces/T', { key })).json;
    expect(tree.trace.usage.total_tokens).toBe(3);
  });

  it('a batch that fails mid-way leaves nothing behind and indexes fully when retried', async () => {
    const { projectId } = await makeProject();
    const good = encodeBatch([
      { id: 'a', trace_id: 'M', name: 'a', start_time: 1767225600000, input: 'needle' },
      { id: 'b', trace_id: 'M', parent_id: 'a', name: 'b', start_time: 1767225600001 },
    ]);
    // A line without an id breaks the NOT NULL constraint after the first rows were inserted.
    const message = await putBatch(projectId, good + JSON.stringify({ trace_id: 'M', name: 'broken' }) + '\n');
    await expect(indexBatch(env, message)).rejects.toThrow();
    expect(await counts(projectId)).toEqual({ spans: 0, traces: 0, fts: 0 });

    const batch = createMessageBatch<IngestMessage>('loupe-ingest', [{ id: 'x', timestamp: new Date(), attempts: 1, body: message }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['x']);
    const failure = await env.DB.prepare('SELECT attempts, last_error, dead_at FROM ingest_failures WHERE key = ?').bind(message.key).first();
    expect(failure).toMatchObject({ attempts: 1, dead_at: null, last_error: expect.stringContaining('NOT NULL') });

    // The object is repaired (as an operator would, from the failure record) and redelivered.
    await env.BLOBS.put(message.key, good);
    const retry = createMessageBatch<IngestMessage>('loupe-ingest', [{ id: 'x', timestamp: new Date(), attempts: 2, body: message }]);
    await worker.queue(retry, env);
    expect(await counts(projectId)).toEqual({ spans: 2, traces: 1, fts: 1 });
    expect(await env.DB.prepare('SELECT 1 FROM ingest_failures WHERE key = ?').bind(message.key).first()).toBeNull();
  });

  it('the dead-letter consumer keeps a durable record of batches that still fail', async () => {
    const { projectId } = await makeProject();
    const message = await putBatch(projectId, '{"id": "truncated json\n');
    const batch = createMessageBatch<IngestMessage>('loupe-ingest-dlq', [{ id: 'd', timestamp: new Date(), attempts: 6, body: message }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['d']);
    const row = await env.DB.prepare('SELECT project_id, dead_at FROM ingest_failures WHERE key = ?').bind(message.key).first<{ project_id: string; dead_at: number }>();
    expect(row?.project_id).toBe(projectId);
    expect(row?.dead_at).toBeGreaterThan(0);
    // The batch itself stays in R2 for replay.
    expect(await env.BLOBS.head(message.key)).not.toBeNull();
  });

  it('refuses a message pointing at another project\'s batch', async () => {
    const a = await makeProject('a');
    const b = await makeProject('b');
    const message = await putBatch(a.projectId, encodeBatch([{ id: 's', trace_id: 'X', name: 's' }]));
    await expect(indexBatch(env, { ...message, project_id: b.projectId })).rejects.toThrow(/outside project/);
    expect(await counts(b.projectId)).toEqual({ spans: 0, traces: 0, fts: 0 });
  });
});
