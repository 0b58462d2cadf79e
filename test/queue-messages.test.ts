import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import worker from '../workers/index.ts';
import { batchKey, encodeBatch } from '../workers/store/batch-format.ts';
import { makeProject, api } from './helpers.ts';

/** Every queue consumer checks each body against schema/queues.ts before acting on it. */
describe('queue consumers and malformed messages', () => {
  it('the ingest consumer drops a malformed message and still indexes the good one beside it', async () => {
    const { projectId, key } = await makeProject();
    const batchObject = batchKey(projectId);
    await env.BLOBS.put(batchObject, encodeBatch([{ id: 'q1', trace_id: 'QT', name: 'root', start_time: 1767225600000 }]));
    const batch = createMessageBatch<unknown>('loupe-ingest', [
      { id: 'bad', timestamp: new Date(), attempts: 1, body: { v: 1, project_id: projectId } },
      { id: 'good', timestamp: new Date(), attempts: 1, body: { v: 1, project_id: projectId, key: batchObject } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    // The malformed one is acked (retrying it could never succeed), not retried into the DLQ.
    expect(result.explicitAcks.sort()).toEqual(['bad', 'good']);
    expect(result.retryMessages).toEqual([]);
    expect((await api('/v1/traces/QT', { key })).status).toBe(200);
  });

  it('the evals and review consumers ack messages of an unknown shape without acting on them', async () => {
    const { projectId } = await makeProject();
    for (const queue of ['loupe-evals', 'loupe-evals-dlq', 'loupe-review', 'loupe-review-dlq', 'loupe-ingest-dlq', 'loupe-datasets', 'loupe-datasets-dlq']) {
      const batch = createMessageBatch<unknown>(queue, [
        { id: 'a', timestamp: new Date(), attempts: 1, body: { v: 1, type: 'evaluate', project_id: projectId } },
        { id: 'b', timestamp: new Date(), attempts: 1, body: 'not even an object' },
        { id: 'c', timestamp: new Date(), attempts: 1, body: { v: 2, type: 'route', project_id: projectId, reason: 'feedback', trace_ids: [], at: 0 } },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks.sort(), queue).toEqual(['a', 'b', 'c']);
      expect(result.retryMessages, queue).toEqual([]);
    }
    expect(await env.DB.prepare('SELECT count(*) AS n FROM eval_results WHERE project_id = ?').bind(projectId).first('n')).toBe(0);
  });
});
