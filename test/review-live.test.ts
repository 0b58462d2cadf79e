/**
 * Live queues: a browser connected to a queue's websocket (authenticated by its session
 * cookie before the upgrade reaches the review hub) sees who is reviewing and the progress
 * change; the hub keeps the socket across hibernation.
 */
import { describe, it, expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { evictDurableObject } from 'cloudflare:test';
import { addTraces, hubStub, makeQueue, makeTraces, reviewProject, type Member } from './review-helpers.ts';
import { api } from './helpers.ts';

/** Opens the queue's websocket as a logged-in member and collects its messages. */
async function connect(member: Member, projectId: string, queueId: string, headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request(`http://loupe.test/v1/review-queues/${queueId}/live?project=${projectId}`, { headers: { upgrade: 'websocket', cookie: member.cookie, ...headers } }),
  );
  const ws = res.webSocket;
  if (!ws) return { res, ws: null, messages: [] as any[], next: async (_: (m: any) => boolean) => null as any };
  ws.accept();
  const messages: any[] = [];
  const waiters: { check: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(e.data as string);
    messages.push(m);
    for (const w of [...waiters]) if (w.check(m)) waiters.splice(waiters.indexOf(w), 1), w.resolve(m);
  });
  /** The first message (already received or coming) that satisfies `check`. */
  const next = (check: (m: any) => boolean) =>
    new Promise<any>((resolve, reject) => {
      const seen = messages.find(check);
      if (seen) return resolve(seen);
      waiters.push({ check, resolve });
      setTimeout(() => reject(new Error(`no such message; got ${JSON.stringify(messages.slice(-3))}`)), 5000);
    });
  return { res, ws, messages, next };
}

describe('live queue updates', () => {
  it('reviewers connected to a queue see who is reviewing and the progress change', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [watcher, worker] = p.members;
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['live-1', 'live-2']);
    await addTraces(p.key, q.id, ['live-1', 'live-2']);
    const live = await connect(watcher, p.projectId, q.id);
    expect(live.res.status).toBe(101);
    const first = await live.next((m) => m.type === 'state');
    expect(first).toMatchObject({ queue_id: q.id, progress: { items: 2, pending: 2, in_progress: 0 } });
    await live.next((m) => m.reviewers?.some((r: any) => r.user_id === watcher.userId && r.connected));
    await worker.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const claimed = await live.next((m) => m.progress?.in_progress === 1);
    expect(claimed.reviewers.find((r: any) => r.user_id === worker.userId)).toMatchObject({ email: worker.email, holding: 'live-1' });
    await worker.call(`/v1/review-queues/${q.id}/items/live-1/review`, { body: { values: { correct: true } } });
    const done = await live.next((m) => m.progress?.complete === 1);
    expect(done.progress).toMatchObject({ pending: 1, in_progress: 0, reviews: 1 });
    expect(done.reviewers.find((r: any) => r.user_id === worker.userId)).toMatchObject({ submitted: 1, holding: null });
    // A heartbeat over the socket renews the sender's leases.
    await watcher.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    live.ws!.send(JSON.stringify({ type: 'heartbeat' }));
    expect(await live.next((m) => m.type === 'heartbeat')).toEqual({ type: 'heartbeat', renewed: 1 });
    live.ws!.close(1000, 'bye');
  });

  it('the socket stays open while the hub is evicted, and updates resume', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [watcher, worker] = p.members;
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['hib-1']);
    await addTraces(p.key, q.id, ['hib-1']);
    const live = await connect(watcher, p.projectId, q.id);
    await live.next((m) => m.type === 'state');
    await evictDurableObject(hubStub(p.projectId));
    await worker.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const update = await live.next((m) => m.progress?.in_progress === 1);
    expect(update.reviewers.find((r: any) => r.user_id === watcher.userId)).toMatchObject({ connected: true });
    live.ws!.close(1000, 'bye');
  });

  it('refuses an upgrade without a login, from another origin, or for a queue of another project', async () => {
    const p = await reviewProject(['reviewer']);
    const other = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    const anonymous = await exports.default.fetch(new Request(`http://loupe.test/v1/review-queues/${q.id}/live`, { headers: { upgrade: 'websocket' } }));
    expect(anonymous.status).toBe(401);
    const crossSite = await connect(p.members[0], p.projectId, q.id, { origin: 'https://evil.example' });
    expect(crossSite.res.status).toBe(403);
    const foreign = await connect(other.members[0], other.projectId, q.id);
    expect(foreign.res.status).toBe(404);
    const notUpgrade = await api(`/v1/review-queues/${q.id}/live`, { key: p.key });
    expect(notUpgrade.status).toBe(426);
  });
});
