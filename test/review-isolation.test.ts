/**
 * Cross-project isolation of every review-queue route: a key or a member of another
 * project reaching for a queue by id gets the same 404 as for a queue that does not exist,
 * and nothing of the queue changes.
 */
import { describe, it, expect } from 'vitest';
import { api } from './helpers.ts';
import { addTraces, makeQueue, makeTraces, reviewProject } from './review-helpers.ts';

describe('review queues across projects', () => {
  it('every route answers 404 for a queue of another project, to keys and to members (403 first where the role lacks the scope)', async () => {
    const a = await reviewProject(['reviewer', 'owner']);
    const b = await reviewProject(['reviewer', 'owner']);
    const q = await makeQueue(a.key, { reviewers_per_item: 2 });
    const expertsB = await makeQueue(b.key, { review_role: 'domain_expert' });
    await makeTraces(a.key, ['iso-1']);
    await addTraces(a.key, q.id, ['iso-1']);
    const r = (await api(`/v1/review-queues/${q.id}/rules`, { key: a.key, body: { filter: 'tag=x' } })).json;
    await a.members[0].call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const base = `/v1/review-queues/${q.id}`;
    const item = `${base}/items/iso-1`;
    const routes: [string, string, unknown?][] = [
      ['GET', base],
      ['PATCH', base, { name: 'stolen' }],
      ['DELETE', base],
      ['GET', `${base}/stats`],
      ['GET', `${base}/conflicts`],
      ['GET', `${base}/export?format=csv`],
      ['GET', `${base}/rules`],
      ['POST', `${base}/rules`, { filter: 'tag=y' }],
      ['PATCH', `${base}/rules/${r.id}`, { active: false }],
      ['DELETE', `${base}/rules/${r.id}`],
      ['GET', `${base}/items`],
      ['POST', `${base}/items`, { filter: '' }],
      ['GET', item],
      ['GET', `${item}/trace`],
      ['POST', `${base}/next`],
      ['POST', `${item}/claim`],
      ['POST', `${item}/review`, { values: { correct: true } }],
      ['POST', `${item}/skip`],
      ['POST', `${item}/release`],
      ['POST', `${item}/escalate`, { target_queue_id: expertsB.id, note: 'x' }],
      ['POST', `${item}/adjudicate`, { values: { correct: true } }],
    ];
    for (const [method, path, body] of routes) {
      const asKey = await api(path, { key: b.key, method, body });
      expect(asKey.status, `${method} ${path} with another project's key`).toBe(404);
      for (const member of b.members) {
        const asMember = await member.call(path, { method, body });
        // A role without the scope is refused before the queue is looked up (403, saying nothing about it).
        const expected = member.role === 'reviewer' && ['PATCH', 'DELETE'].includes(method) || (member.role === 'reviewer' && method === 'POST' && path.endsWith('/rules')) ? 403 : 404;
        expect(asMember.status, `${method} ${path} as ${member.role} of another project`).toBe(expected);
      }
    }
    // A member of B asking for A's project by header is refused before any route runs.
    const header = await b.members[0].call(`/v1/review-queues`, {});
    expect(header.json.queues.map((x: any) => x.id)).toEqual([expertsB.id]);
    // B cannot add A's traces to its own queue, nor escalate A's item into B.
    const foreignTrace = await api(`/v1/review-queues/${expertsB.id}/items`, { key: b.key, body: { trace_ids: ['iso-1'] } });
    expect(foreignTrace.status).toBe(400);
    // A is untouched.
    const after = await api(base, { key: a.key });
    expect(after.json).toMatchObject({ name: q.name, progress: { items: 1, in_progress: 1 } });
    expect((await api(`${base}/rules`, { key: a.key })).json.rules).toHaveLength(1);
  });
});

describe('OpenAPI', () => {
  it('documents every review-queue route', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    const base = '/v1/review-queues/{id}';
    for (const path of [
      '/v1/review-queues', base, `${base}/stats`, `${base}/conflicts`, `${base}/export`, `${base}/rules`, `${base}/rules/{ruleId}`,
      `${base}/items`, `${base}/items/{traceId}`, `${base}/items/{traceId}/trace`, `${base}/next`,
      ...['claim', 'review', 'skip', 'release', 'escalate', 'adjudicate'].map((a) => `${base}/items/{traceId}/${a}`),
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.RubricKey).toBeDefined();
    expect(doc.components.schemas.ReviewSubmit.properties.idempotency_key.description).toContain('stored once');
  });
});
