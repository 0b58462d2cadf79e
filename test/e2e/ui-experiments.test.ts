/**
 * The experiments screens in real headless Chromium against a real `wrangler dev`: two
 * experiments on a dataset made through the REST API (each run a trace with tool calls),
 * the experiments list with their metrics, the compare page opened from it and from the
 * exact link the CLI's gate markdown prints, the regression listed first, its trajectory
 * diff (first divergence, added and changed calls with argument diffs, output diff), and
 * pinning a baseline.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';
import { compareLink } from '../../schema/render/experiments.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const loupe = inject('loupe');
const suffix = crypto.randomUUID().slice(0, 8);

async function call(path: string, body?: unknown, method?: string): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A run's trace: an agent span with one tool span per call, in order. */
function trace(traceId: string, calls: [string, unknown][], answer: string) {
  const t0 = Date.parse('2026-02-01T10:00:00Z');
  return [
    { id: `${traceId}-root`, trace_id: traceId, name: 'support-agent', kind: 'agent', start_time: t0, end_time: t0 + 10_000, output: answer },
    ...calls.map(([name, input], i) => ({ id: `${traceId}-t${i}`, trace_id: traceId, parent_id: `${traceId}-root`, name, kind: 'tool', input, start_time: t0 + 1000 * (i + 1), end_time: t0 + 1000 * (i + 1) + 500 })),
  ];
}

describe('the experiments screens', () => {
  let browser: Browser;
  const ex = { refund: crypto.randomUUID(), lookup: crypto.randomUUID(), greet: crypto.randomUUID(), cancel: crypto.randomUUID() };
  let base: any;
  let cand: any;

  beforeAll(async () => {
    browser = await launchBrowser();
    const dataset = await call('/v1/datasets', { name: `ui-exp-${suffix}`, description: 'support tasks' });
    await call(`/v1/datasets/${dataset.id}/examples`, {
      examples: [
        { id: ex.refund, inputs: { question: 'Refund order 7' }, outputs: { answer: 'refunded 10' } },
        { id: ex.lookup, inputs: { question: 'Where is order 8?' }, outputs: { answer: 'shipped' } },
        { id: ex.greet, inputs: { question: 'Hi' }, outputs: { answer: 'hello' } },
        { id: ex.cancel, inputs: { question: 'Cancel order 9' }, outputs: { answer: 'cancelled' } },
      ],
    });
    base = await call('/v1/experiments', { name: `base-${suffix}`, dataset_id: dataset.id, candidate: { name: 'support-agent', version: '1.0' } });
    cand = await call('/v1/experiments', { name: `cand-${suffix}`, dataset_id: dataset.id, candidate: { name: 'support-agent', version: '1.1' } });
    const t = (exp: string, example: string) => `${exp}-${suffix}-${example.slice(0, 8)}`;
    const spans = [
      ...trace(t('b', ex.refund), [['get_order', { id: 7 }], ['refund', { id: 7, amount: 10 }]], 'refunded 10'),
      ...trace(t('c', ex.refund), [['get_order', { id: 7 }], ['get_user', { id: 'u7' }], ['refund', { id: 7, amount: 12 }]], 'refunded 12'),
      ...trace(t('b', ex.lookup), [['get_order', { id: 8 }]], 'pending'),
      ...trace(t('c', ex.lookup), [['get_order', { id: 8 }]], 'shipped'),
      ...trace(t('b', ex.greet), [], 'hello'),
      ...trace(t('c', ex.greet), [], 'hello'),
      ...trace(t('b', ex.cancel), [['cancel', { id: 9 }]], 'cancelled'),
    ];
    await call('/v1/spans', { spans });
    const run = (exp: string, example: string, answer: string, correct: number, latency: number) => ({ example_id: example, trace_id: t(exp, example), output: { answer }, scores: { correct }, latency_ms: latency, tokens: 100, cost: 0.001 });
    await call(`/v1/experiments/${base.id}/runs`, {
      runs: [run('b', ex.refund, 'refunded 10', 1, 900), run('b', ex.lookup, 'pending', 0, 700), run('b', ex.greet, 'hello', 1, 300), run('b', ex.cancel, 'cancelled', 1, 500)],
    });
    await call(`/v1/experiments/${cand.id}/runs`, {
      runs: [
        run('c', ex.refund, 'refunded 12', 0, 1100),
        run('c', ex.lookup, 'shipped', 1, 650),
        run('c', ex.greet, 'hello', 1, 320),
        { example_id: ex.cancel, error: 'timed out after 30 s', latency_ms: 30_000 },
      ],
    });
    // The trajectory diff reads the runs' traces: wait until the ingest queue stored them.
    for (let i = 0; i < 100; i++) {
      const tr = await fetch(`${loupe.url}/v1/traces/${t('c', ex.refund)}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
      if (tr.ok && (await tr.json()).spans?.length === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists the experiments of a dataset with their metrics and compares the two picked', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.waitForURL(/\/experiments$/);
    const section = page.locator(`section[data-dataset="${base.dataset_id}"]`);
    await expect.poll(() => section.locator('h2').textContent()).toContain(`ui-exp-${suffix}`);
    const baseRow = section.locator(`tr[data-experiment="${base.id}"]`);
    const candRow = section.locator(`tr[data-experiment="${cand.id}"]`);
    // correct: 3 of 4 for the baseline, 2 of 3 scored for the candidate (its errored run has no score).
    await expect.poll(() => baseRow.textContent()).toContain('75%');
    await expect.poll(() => candRow.textContent()).toContain('66.7%');
    expect(await candRow.locator('td').nth(5).textContent()).toBe('1');
    expect(await section.getByRole('img', { name: 'correct over time' }).locator('circle').count()).toBe(2);
    await screenshot(page, 'experiments-list');

    await section.getByLabel(`Select ${cand.name}`).check();
    await section.getByLabel(`Select ${base.name}`).check();
    await section.getByRole('button', { name: 'Compare 2' }).click();
    // The older experiment is the baseline (neither is pinned).
    await page.waitForURL((u) => u.pathname === '/experiments/compare' && u.searchParams.get('ids') === `${base.id},${cand.id}`);
    const rows = page.locator('.compare-examples-table tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(['regressed', 'errored', 'improved', 'unchanged']);
    expect(await rows.first().getAttribute('data-example')).toBe(ex.refund);
    await expect.poll(() => page.locator('.shared-examples').textContent()).toBe('4 shared examples');
    const metric = page.locator('.compare-metrics tr[data-metric="correct"]');
    // Paired over the 3 examples both scored: +1, -1, 0.
    expect(await metric.locator('.delta-mean').textContent()).toBe('±0 pts');
    expect(await metric.textContent()).toContain('75%');
    expect(page.errors).toEqual([]);
  });

  it("opens the gate's link to a regressed example with its outputs and trajectory diff", async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1100 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(compareLink(loupe.url, [base.id, cand.id]));
    const first = page.locator('.compare-examples-table tbody tr').first();
    await expect.poll(() => first.getAttribute('data-status')).toBe('regressed');
    await first.getByRole('button', { name: ex.refund }).click();
    expect(new URL(page.url()).search).toBe(new URL(compareLink(loupe.url, [base.id, cand.id], ex.refund)).search);

    const detail = page.getByRole('region', { name: `Example ${ex.refund}` });
    await expect.poll(() => detail.locator('.trajectory-summary').textContent()).toBe('First divergence at step 2: 1 added, 0 removed, 1 changed.');
    const steps = detail.locator('tr.step');
    expect(await steps.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-op')))).toEqual(['same', 'added', 'changed']);
    expect(await detail.locator('tr.first-divergence').textContent()).toContain('get_user');
    expect(await detail.locator('.arg-changes li').textContent()).toBe('amount changed: 10 → 12');
    expect(await detail.locator('.output-diff .diff-removed').textContent()).toContain('refunded 10');
    expect(await detail.locator('.output-diff .diff-added').textContent()).toContain('refunded 12');
    // The example itself: its inputs and reference outputs at the baseline's dataset version.
    await expect.poll(() => detail.locator('[data-part="inputs"]').textContent()).toContain('Refund order 7');
    expect(await detail.locator('[data-part="expected"]').textContent()).toContain('refunded 10');
    expect(await detail.locator('[data-side="baseline"]').textContent()).toContain('correct 1');
    expect(await detail.locator('[data-side="candidate"]').textContent()).toContain('correct 0');
    await screenshot(page, 'experiments-trajectory-diff');

    // The same example opened straight from the URL the gate prints.
    const direct = await newPage(context);
    await direct.goto(compareLink(loupe.url, [base.id, cand.id], ex.refund));
    await expect.poll(() => direct.locator('.trajectory-summary').textContent()).toBe('First divergence at step 2: 1 added, 0 removed, 1 changed.');
    expect([...page.errors, ...direct.errors]).toEqual([]);
  });

  it("shows an experiment's summary and runs, filters them, and pins it as the dataset's baseline", async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/experiments/${cand.id}`);
    await expect.poll(() => page.locator('.experiment-stats').textContent()).toContain('1Errors');
    expect(await page.locator('.experiment-metrics tr[data-metric="correct"]').textContent()).toContain('66.7%');
    await expect.poll(() => page.locator('.experiment-runs-table tbody tr').count()).toBe(4);
    await page.getByLabel('Errors').selectOption('errored');
    await expect.poll(() => page.locator('.experiment-runs-table tbody tr').count()).toBe(1);
    expect(await page.locator('.experiment-runs-table tbody tr').textContent()).toContain('timed out after 30 s');
    await page.getByLabel('Errors').selectOption('all');
    await page.getByLabel('Score', { exact: true }).selectOption('correct');
    await page.getByLabel('Score value').fill('1');
    await expect.poll(() => page.locator('.experiment-runs-table tbody tr').getAttribute('data-example')).toBe(ex.refund);

    await page.goto(`${loupe.url}/experiments/${base.id}`);
    await page.getByRole('button', { name: 'Pin as baseline' }).click();
    await expect.poll(() => page.locator('.experiment-meta .baseline-badge').count()).toBe(1);
    expect((await call(`/v1/experiments/${base.id}`)).baseline).toBe(true);
    // The candidate's page now offers the comparison with the pinned baseline.
    await page.goto(`${loupe.url}/experiments/${cand.id}`);
    await page.getByRole('link', { name: `Compare with baseline ${base.name}` }).click();
    await page.waitForURL((u) => u.searchParams.get('ids') === `${base.id},${cand.id}`);
    await expect.poll(() => page.locator('.compare-examples-table tbody tr').count()).toBe(4);
    expect(page.errors).toEqual([]);
  });

  it('compares three experiments, one on a later dataset version, on the examples they share', async () => {
    // Version 2 archives one example, version 3 adds one: the later candidate shares 3 of the baseline's 4.
    await call(`/v1/datasets/${base.dataset_id}/examples/${ex.greet}/archive`, { reason: 'duplicate' });
    const extra = crypto.randomUUID();
    await call(`/v1/datasets/${base.dataset_id}/examples`, { examples: [{ id: extra, inputs: { question: 'Change my seat' } }] });
    const later = await call('/v1/experiments', { name: `cand2-${suffix}`, dataset_id: base.dataset_id, candidate: { name: 'support-agent', version: '1.2' } });
    expect(later.dataset_version).toBe(3);
    await call(`/v1/experiments/${later.id}/runs`, { runs: [ex.refund, ex.lookup, ex.cancel, extra].map((id) => ({ example_id: id, output: { answer: 'ok' }, scores: { correct: 1 } })) });

    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(compareLink(loupe.url, [base.id, cand.id, later.id]));
    await expect.poll(() => page.locator('.compare-metrics thead tr').first().locator('th').count()).toBe(4);
    const laterCard = page.locator(`.compare-experiment[data-experiment="${later.id}"]`);
    expect(await laterCard.locator('.shared-examples').textContent()).toBe('3 shared examples (dataset versions differ: 1 and 3; compared on the examples both hold)');
    // The baseline column is the baseline on its 4 examples; the later candidate is paired on 3 (2 of them correct).
    expect(await page.locator('.compare-metrics .own-baseline').textContent()).toBe('baseline on these 3: 66.7%');
    await page.getByRole('tab', { name: later.name }).click();
    const rows = page.locator('.compare-examples-table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(['improved', 'unchanged', 'unchanged']);
    expect(new URL(page.url()).searchParams.get('candidate')).toBe(later.id);
    await screenshot(page, 'experiments-compare-three');

    // An id that names no experiment: the API's reason, not an empty page.
    await page.goto(compareLink(loupe.url, [base.id, `nope-${suffix}`]));
    await expect.poll(() => page.getByRole('alert').first().textContent()).toBe(`experiment nope-${suffix} not found`);
    expect(page.errors).toEqual([]);
  });

  it('starts a server-side experiment against an endpoint from the form; the endpoint gets each example signed', async () => {
    const received: { body: unknown; signature: string | undefined }[] = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        received.push({ body: JSON.parse(raw), signature: req.headers['x-loupe-signature'] as string | undefined });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer: 'done' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const context = await browser.newContext({ viewport: { width: 1400, height: 950 } });
      const page = await newPage(context);
      await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
      await page.goto(`${loupe.url}/experiments`);
      await page.getByText('Start a server-side experiment').click();
      await page.getByLabel('Experiment name').fill(`staging-${suffix}`);
      await page.getByLabel('Experiment dataset').selectOption(base.dataset_id);
      await page.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${port}/agent`);
      await page.getByLabel('Signing secret').fill('a-signing-secret-of-16+');
      // A bad URL first: the API's 400 names the field, nothing is started.
      await page.getByLabel('Endpoint URL').fill('not a url');
      await page.getByRole('button', { name: 'Start experiment' }).click();
      await expect.poll(() => page.locator('.start-experiment').textContent()).toContain('target.url');
      await page.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${port}/agent`);
      await page.getByRole('button', { name: 'Start experiment' }).click();
      await page.waitForURL(/\/experiments\/[^/]+$/);
      const id = decodeURIComponent(page.url().split('/').pop()!);
      const live = (await call(`/v1/datasets/${base.dataset_id}/examples?limit=100`)).examples.length;
      await expect.poll(async () => (await call(`/v1/experiments/${encodeURIComponent(id)}/target`)).runs.done, { timeout: 60_000 }).toBe(live);
      expect(received).toHaveLength(live);
      expect(received.every((r) => /^t=\d+,v1=[0-9a-f]{64}$/.test(r.signature ?? ''))).toBe(true);
      expect(received.map((r) => (r.body as { question?: string }).question ?? JSON.stringify(r.body)).join(' ')).toContain('Refund order 7');
      expect(page.errors).toEqual([]);
    } finally {
      server.close();
    }
  });
});
