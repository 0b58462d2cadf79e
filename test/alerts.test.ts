/**
 * Alerts: rules on a metric over a window, checked like the every-minute Cron Trigger does
 * (checkAlerts), notifying a local webhook server (test/node/fake-provider.ts) that records
 * each request so the signature can be checked against the secret the API handed out.
 */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, waitForTrace } from './helpers.ts';
import { fakeUrl, received, scenarioId, script } from './evals-helpers.ts';
import { checkAlerts } from '../workers/monitoring/alert-check.ts';
import { signWebhook } from '../workers/platform/webhook-signature.ts';

const hook = (id: string) => `${fakeUrl()}/s/${id}/hook`;

/** Posts one-span traces started a minute ago and waits until they are queryable. */
async function traces(key: string, n: number, extra: Record<string, unknown> = {}, durationMs = 1000) {
  const base = Date.now() - 60_000;
  const ids: string[] = [];
  const spans = Array.from({ length: n }, (_, i) => {
    const id = `t-${crypto.randomUUID().slice(0, 8)}-${i}`;
    ids.push(id);
    return { id: `${id}-root`, trace_id: id, name: 'agent', kind: 'chain', start_time: new Date(base + i).toISOString(), end_time: new Date(base + i + durationMs).toISOString(), environment: 'production', ...extra };
  });
  const res = await api('/v1/spans', { key, body: { spans } });
  expect(res.status).toBe(202);
  for (const id of ids) await waitForTrace(key, id);
  return ids;
}

async function createAlert(key: string, body: Record<string, unknown>) {
  const res = await api('/v1/alerts', { key, body: { name: 'a', metric: 'error_rate', comparator: 'gt', threshold: 0.5, window_minutes: 60, cooldown_minutes: 0, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; signing_secret: string };
}

const events = async (key: string, id: string) => (await api(`/v1/alerts/${id}/events`, { key })).json.events as any[];

/** Verifies `x-loupe-signature: t=<ts>,v1=<hex>` over `<ts>.<raw body>`. */
async function signatureValid(req: { headers: Record<string, string>; raw: string }, secret: string) {
  const m = /^t=(\d+),v1=([0-9a-f]+)$/.exec(req.headers['x-loupe-signature'] ?? '');
  if (!m) return false;
  return (await signWebhook(secret, Number(m[1]), req.raw)) === m[2];
}

describe('alerts', () => {
  it('fires one signed notice when the error rate crosses the threshold and one when it recovers', async () => {
    const { key } = await makeProject('alerts-fire');
    const sc = scenarioId('alert-fire');
    await script(sc, { steps: [], then: { status: 200, body: { ok: true } } });
    await traces(key, 2, { status: 'error', error: 'boom' });
    await traces(key, 2, { environment: 'staging' });
    const alert = await createAlert(key, { filter: 'env=production', webhook_url: hook(sc) });

    await checkAlerts(env);
    await checkAlerts(env); // still firing: no second notice
    let reqs = await received(sc);
    expect(reqs).toHaveLength(1);
    expect(await signatureValid(reqs[0], alert.signing_secret)).toBe(true);
    expect(reqs[0].body).toMatchObject({ type: 'alert.fired', state: 'firing', value: 1, alert: { id: alert.id, metric: 'error_rate' } });
    expect((await api(`/v1/alerts/${alert.id}`, { key })).json).toMatchObject({ state: 'firing', last_value: 1 });

    await traces(key, 3);
    await checkAlerts(env);
    reqs = await received(sc);
    expect(reqs).toHaveLength(2);
    expect(await signatureValid(reqs[1], alert.signing_secret)).toBe(true);
    expect(reqs[1].body).toMatchObject({ type: 'alert.recovered', state: 'ok', value: 0.4 });
    const history = await events(key, alert.id);
    expect(history.map((e) => [e.kind, e.delivery, e.attempts])).toEqual([
      ['recovered', 'delivered', 1],
      ['fired', 'delivered', 1],
    ]);
  });

  it('sends nothing within the cooldown, then the recovery once it has passed', async () => {
    const { key } = await makeProject('alerts-cooldown');
    const sc = scenarioId('alert-cool');
    await script(sc, { steps: [], then: { status: 200, body: {} } });
    await traces(key, 1, { status: 'error', error: 'x' });
    const alert = await createAlert(key, { webhook_url: hook(sc), cooldown_minutes: 10, format: 'slack' });
    const now = Date.now();
    await checkAlerts(env, now);
    await traces(key, 2);
    await checkAlerts(env, now + 60_000);
    expect(await received(sc)).toHaveLength(1);
    expect((await api(`/v1/alerts/${alert.id}`, { key })).json.state).toBe('firing');
    await checkAlerts(env, now + 11 * 60_000);
    const reqs = await received(sc);
    expect(reqs).toHaveLength(2);
    // Slack-compatible body: text plus blocks.
    expect(reqs[0].body.text).toContain('is firing');
    expect(reqs[0].body.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(reqs[1].body.text).toContain('recovered');
  });

  it('records a notice as failed after retrying a webhook that answers 500 or times out, while other alerts are delivered', async () => {
    const { key } = await makeProject('alerts-broken');
    const bad = scenarioId('alert-500');
    const slow = scenarioId('alert-slow');
    const good = scenarioId('alert-good');
    await script(bad, { steps: [], then: { status: 500, body: { error: 'down' } } });
    await script(slow, { steps: [], then: { status: 200, delay_ms: 4_000, body: {} } });
    await script(good, { steps: [], then: { status: 200, body: {} } });
    await traces(key, 1, { status: 'error', error: 'x' });
    const a500 = await createAlert(key, { webhook_url: hook(bad) });
    const aSlow = await createAlert(key, { webhook_url: hook(slow) });
    const aGood = await createAlert(key, { webhook_url: hook(good) });
    await checkAlerts(env);
    expect(await received(bad)).toHaveLength(3);
    const [e500] = await events(key, a500.id);
    expect(e500).toMatchObject({ kind: 'fired', delivery: 'failed', attempts: 3 });
    expect(e500.error).toContain('500');
    const [eSlow] = await events(key, aSlow.id);
    expect(eSlow).toMatchObject({ kind: 'fired', delivery: 'failed', attempts: 3 });
    expect(eSlow.error).toContain('did not answer');
    expect((await events(key, aGood.id))[0]).toMatchObject({ kind: 'fired', delivery: 'delivered', attempts: 1 });
  }, 40_000);

  it('computes score averages and an exact p95 latency over the window', async () => {
    const { key } = await makeProject('alerts-metrics');
    const sc = scenarioId('alert-metrics');
    await script(sc, { steps: [], then: { status: 200, body: {} } });
    const ids = await traces(key, 2);
    await api('/v1/feedback', { key, body: { trace_id: ids[0], key: 'correct', score: 1, source: 'evaluator' } });
    await api('/v1/feedback', { key, body: { trace_id: ids[1], key: 'correct', score: 0, source: 'evaluator' } });
    await api('/v1/feedback', { key, body: { trace_id: ids[1], key: 'correct', score: 1, source: 'user' } });
    const score = await createAlert(key, { metric: 'score.correct', comparator: 'lt', threshold: 0.7, webhook_url: hook(sc) });
    const fb = await createAlert(key, { metric: 'feedback.correct', comparator: 'lt', threshold: 0.7, webhook_url: hook(sc) });
    for (let i = 1; i <= 20; i++) await traces(key, 1, { environment: 'lat' }, i * 10);
    const p95 = await createAlert(key, { metric: 'latency_p95', comparator: 'gte', threshold: 190, filter: 'env=lat', webhook_url: hook(sc) });
    await checkAlerts(env);
    expect((await api(`/v1/alerts/${score.id}`, { key })).json).toMatchObject({ state: 'firing', last_value: 0.5 });
    expect((await api(`/v1/alerts/${fb.id}`, { key })).json).toMatchObject({ state: 'ok', last_value: 1 });
    // Nearest rank: the ceil(0.95 * 20) = 19th of 10, 20, ..., 200 ms.
    expect((await api(`/v1/alerts/${p95.id}`, { key })).json).toMatchObject({ state: 'firing', last_value: 190 });
  }, 60_000);

  it('rejects an unparsable filter, an unknown metric and a non-https webhook, naming the field', async () => {
    const { key } = await makeProject('alerts-bad');
    const base = { name: 'x', metric: 'error_rate', comparator: 'gt', threshold: 0.1, window_minutes: 60, webhook_url: 'https://example.com/hook' };
    const cases: [Record<string, unknown>, string][] = [
      [{ filter: 'environment = (' }, 'filter'],
      [{ metric: 'errors' }, 'metric'],
      [{ webhook_url: 'http://example.com/hook' }, 'webhook_url'],
      [{ window_minutes: 0 }, 'window_minutes'],
    ];
    for (const [patch, path] of cases) {
      const res = await api('/v1/alerts', { key, body: { ...base, ...patch } });
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.json.error.path).toBe(path);
    }
    const ok = await api('/v1/alerts', { key, body: base });
    expect(ok.status).toBe(201);
    const patched = await api(`/v1/alerts/${ok.json.id}`, { key, method: 'PATCH', body: { webhook_url: 'ftp://example.com' } });
    expect(patched.status).toBe(400);
    expect(patched.json.error.path).toBe('webhook_url');
  });

  it("keeps each project's alerts, history and figures to itself", async () => {
    const a = await makeProject('alerts-iso-a');
    const b = await makeProject('alerts-iso-b');
    const sc = scenarioId('alert-iso');
    await script(sc, { steps: [], then: { status: 200, body: {} } });
    await traces(a.key, 3, { status: 'error', error: 'x' });
    const inA = await createAlert(a.key, { metric: 'trace_count', comparator: 'gt', threshold: 0, webhook_url: hook(sc) });
    const inB = await createAlert(b.key, { metric: 'trace_count', comparator: 'gt', threshold: 0, webhook_url: hook(sc) });
    await checkAlerts(env);
    expect((await api(`/v1/alerts/${inA.id}`, { key: a.key })).json).toMatchObject({ state: 'firing', last_value: 3 });
    // B's traces only: none, so B's alert does not fire on A's traffic.
    expect((await api(`/v1/alerts/${inB.id}`, { key: b.key })).json).toMatchObject({ state: 'ok', last_value: 0 });
    expect((await api(`/v1/alerts/${inA.id}`, { key: b.key })).status).toBe(404);
    expect((await api(`/v1/alerts/${inA.id}/events`, { key: b.key })).status).toBe(404);
    expect((await api(`/v1/alerts/${inA.id}`, { key: b.key, method: 'DELETE' })).status).toBe(404);
    expect((await api('/v1/alerts', { key: b.key })).json.alerts.map((x: any) => x.id)).toEqual([inB.id]);
  });
});
