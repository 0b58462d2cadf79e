/**
 * Server-side experiments against a deployed endpoint (the local fake server's webhook
 * route stands in for it): each example's inputs POSTed with an HMAC signature through the
 * "experiments" queue, never more calls in flight than the concurrency, 500s and
 * timeouts retried then recorded as errored, each run a trace, and a target whose queue
 * slots were lost re-driven from its D1 state.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject } from './helpers.ts';
import { fakeUrl, received, scenarioId, script } from './evals-helpers.ts';
import { redriveTargets, startTargetExperiment } from '../workers/experiments/target.ts';
import { consumeExperimentSlotDeadLetters } from '../workers/experiments/target-slots.ts';

const SECRET = 'target-signing-secret-0123456789';

async function dataset(key: string, n: number) {
  const ds = await api('/v1/datasets', { key, body: { name: `targets-${crypto.randomUUID().slice(0, 8)}` } });
  const ex = await api(`/v1/datasets/${ds.json.id}/examples`, { key, body: { examples: Array.from({ length: n }, (_, i) => ({ inputs: { question: `q${i}` } })) } });
  expect(ex.status).toBe(201);
  return { id: ds.json.id as string, version: ex.json.version as number, examples: ex.json.examples as { id: string; inputs: unknown }[] };
}

const hook = (scenario: string) => `${fakeUrl()}/s/${scenario}/hook`;

async function start(key: string, datasetId: string, name: string, target: Record<string, unknown>) {
  const r = await api('/v1/experiments', { key, body: { name, dataset_id: datasetId, target } });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

async function finished(key: string, id: string) {
  return eventually(async () => {
    const p = await api(`/v1/experiments/${id}/target`, { key });
    if (p.json.status !== 'done') throw new Error(`not done: ${p.text}`);
    return p.json;
  }, 30_000);
}

async function hmac(secret: string, text: string) {
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return [...new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Queue deliveries with backoff delays take seconds on a loaded machine: well past the 5 s default.
describe('server-side experiments', { timeout: 60_000 }, () => {
  it('POST each example signed, within the concurrency even with duplicate slots, and record the answers as runs with traces', async () => {
    const { key } = await makeProject();
    const d = await dataset(key, 6);
    const sc = scenarioId('target-ok');
    await script(sc, { steps: [], then: { delay_ms: 150, body: { answer: 'Paris' } } });
    const e = await start(key, d.id, 'staging', { url: hook(sc), secret: SECRET, concurrency: 2 });
    // Duplicate slots (a redelivery, a resume while running) find the concurrency taken and end.
    expect((await api(`/v1/experiments/${e.id}/target/resume`, { key, body: {} })).status).toBe(202);
    const p = await finished(key, e.id);
    expect(p).toMatchObject({ signed: true, concurrency: 2, runs: { pending: 0, running: 0, done: 6, errored: 0 } });
    expect(JSON.stringify(p)).not.toContain(SECRET);
    expect((await api(`/v1/experiments/${e.id}`, { key })).json).toMatchObject({ status: 'completed', summary: { runs: 6, errors: 0 } });

    const calls = await received(sc);
    expect(calls).toHaveLength(6);
    for (const c of calls) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(c.headers['x-loupe-signature'])!;
      expect(v1).toBe(await hmac(SECRET, `${t}.${c.raw}`));
      expect(c.headers['x-loupe-experiment-id']).toBe(e.id);
      expect(c.body).toEqual(d.examples.find((x) => x.id === c.headers['x-loupe-example-id'])!.inputs);
    }
    // Never more than `concurrency` calls in flight at once.
    const events = calls.flatMap((c) => [[c.at, 1], [c.at + (c as { served_ms?: number }).served_ms!, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inFlight = 0;
    let most = 0;
    for (const [, delta] of events) most = Math.max(most, (inFlight += delta));
    expect(most).toBeLessThanOrEqual(2);

    const runs = (await api(`/v1/experiments/${e.id}/runs`, { key })).json.runs;
    expect(runs.map((r: any) => r.output)).toEqual(Array(6).fill({ answer: 'Paris' }));
    const trace = await eventually(async () => {
      const t = await api(`/v1/traces/${runs[0].trace_id}`, { key });
      if (t.status !== 200) throw new Error('trace not indexed yet');
      return t.json;
    });
    expect(trace.spans[0]).toMatchObject({ output: { answer: 'Paris' }, metadata: { experiment_id: e.id, example_id: runs[0].example_id } });
    expect(calls.find((c) => c.headers['x-loupe-example-id'] === runs[0].example_id)!.headers.traceparent).toContain(runs[0].trace_id);
  });

  it('retry a 500, then record a target that keeps failing or timing out as errored runs', async () => {
    const { key } = await makeProject();
    const d = await dataset(key, 1);
    const flaky = scenarioId('target-flaky');
    await script(flaky, { steps: [{ status: 500, body: { error: 'boom' } }], then: { body: { answer: 'ok' } } });
    const down = scenarioId('target-down');
    await script(down, { steps: [], then: { status: 503, body: { error: 'maintenance' } } });
    const slow = scenarioId('target-slow');
    await script(slow, { steps: [], then: { delay_ms: 3000, body: { answer: 'late' } } });
    const a = await start(key, d.id, 'flaky', { url: hook(flaky), max_attempts: 3 });
    const b = await start(key, d.id, 'down', { url: hook(down), max_attempts: 2 });
    const c = await start(key, d.id, 'slow', { url: hook(slow), max_attempts: 2, timeout_ms: 300 });
    for (const e of [a, b, c]) await finished(key, e.id);

    expect(await received(flaky)).toHaveLength(2);
    const [ok] = (await api(`/v1/experiments/${a.id}/runs`, { key })).json.runs;
    expect(ok).toMatchObject({ output: { answer: 'ok' }, error: null });
    expect(await received(down)).toHaveLength(2);
    const [failed] = (await api(`/v1/experiments/${b.id}/runs`, { key })).json.runs;
    expect(failed.error).toContain('answered 503: maintenance (gave up after 2 attempts)');
    expect((await api(`/v1/experiments/${b.id}/target`, { key })).json.runs).toEqual({ pending: 0, running: 0, done: 0, errored: 1 });
    expect(await received(slow)).toHaveLength(2);
    const [late] = (await api(`/v1/experiments/${c.id}/runs`, { key })).json.runs;
    expect(late.error).toContain('did not answer within 300 ms (gave up after 2 attempts)');
    expect((await api(`/v1/experiments/${c.id}`, { key })).json.summary).toMatchObject({ runs: 1, errors: 1 });
  });

  it('records a target answering more than 4 MiB as an errored run, read no further and not retried', async () => {
    const { key } = await makeProject();
    const d = await dataset(key, 1);
    const huge = scenarioId('target-huge');
    await script(huge, { steps: [], then: { body: { answer: 'x'.repeat(5 * 1024 * 1024) } } });
    const e = await start(key, d.id, 'huge', { url: hook(huge), max_attempts: 3 });
    await finished(key, e.id);
    expect(await received(huge)).toHaveLength(1);
    const [run] = (await api(`/v1/experiments/${e.id}/runs`, { key })).json.runs;
    expect(run.output).toBeNull();
    expect(run.error).toContain('answered with more than 4194304 bytes');
  });

  it('re-drives a target whose queue slots were lost, from its runs in D1', async () => {
    const { key, projectId } = await makeProject();
    const d = await dataset(key, 3);
    const sc = scenarioId('target-lost');
    await script(sc, { steps: [], then: { body: { answer: 'ok' } } });
    // As after a restart that dropped the local queue: the runs are in D1, no slot is in flight.
    const e = await startTargetExperiment(env, projectId, { name: 'lost', dataset_id: d.id, dataset_version: d.version, repetitions: 1, candidate: {}, evaluators: [], target: { url: hook(sc), timeout_ms: 1000, concurrency: 2, max_attempts: 3 } }, { send: false });
    expect((await api(`/v1/experiments/${e.id}/target`, { key })).json.runs.pending).toBe(3);
    expect(await redriveTargets(env, { projectId })).toBe(0); // not stale yet: slots might still be in flight
    expect(await redriveTargets(env, { projectId, now: Date.now() + 120_000 })).toBe(1);
    expect((await finished(key, e.id)).runs).toEqual({ pending: 0, running: 0, done: 3, errored: 0 });
    expect(await received(sc)).toHaveLength(3);
  });

  it('acks dead-lettered slots (their experiment is re-driven from D1) and drops malformed ones', async () => {
    const acked: string[] = [];
    const message = (id: string, body: unknown) => ({ id, body, attempts: 11, timestamp: new Date(), ack: () => acked.push(id), retry: () => {} });
    const batch = { queue: 'loupe-experiments-dlq', messages: [message('m1', { v: 1, type: 'slot', project_id: 'p', experiment_id: 'e' }), message('m2', { nope: true })], ackAll() {}, retryAll() {} };
    await consumeExperimentSlotDeadLetters(batch as unknown as MessageBatch<unknown>);
    expect(acked.sort()).toEqual(['m1', 'm2']);
  });

  it('answer bad targets with the field at fault, write nothing, and 404 for another project', async () => {
    const { key } = await makeProject();
    const d = await dataset(key, 1);
    const insecure = await api('/v1/experiments', { key, body: { name: 'x', dataset_id: d.id, target: { url: 'http://staging.example.com/run' } } });
    expect(insecure.status).toBe(400);
    expect(insecure.json.error).toMatchObject({ path: 'target.url', message: expect.stringContaining('https') });
    const weak = await api('/v1/experiments', { key, body: { name: 'x', dataset_id: d.id, target: { url: 'https://staging.example.com/run', secret: 'short' } } });
    expect(weak.status).toBe(400);
    expect(weak.json.error.path).toBe('target.secret');
    const foreign = await api('/v1/experiments', { key, body: { name: 'x', dataset_id: 'not-a-loupe-dataset', target: { url: 'https://staging.example.com/run' } } });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.path).toBe('dataset_id');
    expect((await api('/v1/experiments', { key })).json.experiments).toHaveLength(0);
    const plain = await api('/v1/experiments', { key, body: { name: 'plain', dataset_id: d.id } });
    expect((await api(`/v1/experiments/${plain.json.id}/target`, { key })).status).toBe(404);
    const sc = scenarioId('target-iso');
    await script(sc, { steps: [], then: { body: { ok: true } } });
    const e = await start(key, d.id, 'mine', { url: hook(sc) });
    const other = await makeProject();
    expect((await api(`/v1/experiments/${e.id}/target`, { key: other.key })).status).toBe(404);
    expect((await api(`/v1/experiments/${e.id}/target/resume`, { key: other.key, body: {} })).status).toBe(404);
  });
});
