/**
 * The Agreement tab in real headless Chromium against the e2e Loupe (tau-bench demo): a
 * judge served by a fake OpenAI-compatible server in this process scores four demo traces
 * through a backfill, people label them, and the tab shows the statistics, the confusion
 * matrix, the trend and the disagreements with both sides; then an alignment of a draft
 * (another provider, answering false) shows its agreement beside the current version's and
 * the changed verdicts, writing no scores.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFakeProvider, type FakeProvider } from '../node/fake-provider.ts';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';
import { apiClient, until } from './api.ts';

const loupe = inject('loupe');
const RUN = Date.now().toString(36);
const KEY = `relevance_cal_${RUN}`;

const call = apiClient(loupe);

async function scenario(fake: FakeProvider, id: string, verdict: boolean, reasoning: string) {
  await fetch(`${fake.url}/__scenarios/${id}`, { method: 'PUT', body: JSON.stringify({ steps: [], then: { verdict: { reasoning, verdict } } }) });
  const p = await call('/v1/providers', { name: `fake ${id}`, type: 'openai', base_url: `${fake.url}/s/${id}/v1`, default_model: 'gpt-4o-mini', api_key: 'sk-ui-cal-0123456789abcdef' });
  return p.id as string;
}

describe('the Agreement tab', () => {
  let fake: FakeProvider;
  let browser: Browser;
  let page: Page & { errors: string[] };
  let ev: any;
  let traces: string[];
  let draftProvider: string;

  beforeAll(async () => {
    fake = await startFakeProvider();
    const current = await scenario(fake, `cal-current-${RUN}`, true, 'The answer addresses the request.');
    draftProvider = await scenario(fake, `cal-draft-${RUN}`, false, 'Strict draft: the answer drifts.');
    ev = await call('/v1/evaluators', { template: 'relevance', key: KEY, name: `Relevance calibration ${RUN}`, config: { provider_id: current } });
    const rule = await call('/v1/rules', { name: `calibration ${RUN}`, filter: 'tag=tau-bench', evaluator_ids: [ev.id], active: false });
    const run = await call(`/v1/rules/${rule.id}/backfill`, { from: new Date(Date.now() - 30 * 86_400_000).toISOString(), max_traces: 4 });
    await until(async () => ((await call(`/v1/rules/${rule.id}/runs/${run.id}`)).status === 'done' ? true : undefined), 60_000);
    traces = (await call(`/v1/evaluators/${ev.id}/scores?limit=10`)).scores.map((s: any) => s.trace_id).sort();
    expect(traces).toHaveLength(4);
    // People agree with the judge on the first two and say false on the last two.
    for (const [i, t] of traces.entries()) {
      await call('/v1/feedback', { trace_id: t, key: KEY, source: 'human', author: 'ana', score: i < 2 ? 1 : 0, comment: i < 2 ? 'on topic' : `drifts into baggage rules (${i})` });
    }
    browser = await launchBrowser();
    page = await newPage(await browser.newContext({ viewport: { width: 1300, height: 950 } }));
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });

  it('shows agreement, the matrix, the trend and the disagreements with both sides', async () => {
    await page.goto(`${loupe.url}/evaluators/${ev.id}`);
    await page.getByRole('button', { name: 'Agreement' }).click();
    await page.waitForURL(/tab=agreement/);
    const agreement = page.getByRole('region', { name: 'Agreement' });
    await expect.poll(() => agreement.locator('[data-stat="accuracy"] td').nth(1).textContent()).toContain('0.5');
    const matrix = agreement.getByRole('table', { name: 'Confusion matrix' });
    // People true: judge true 2; people false: judge true 2.
    expect(await matrix.locator('tbody tr').nth(0).locator('td').allTextContents()).toEqual(['2', '0']);
    expect(await matrix.locator('tbody tr').nth(1).locator('td').allTextContents()).toEqual(['2', '0']);
    expect(await agreement.getByRole('list', { name: 'Agreement over time' }).locator('li').count()).toBeGreaterThan(0);
    const dis = page.getByRole('region', { name: 'Disagreements' });
    await expect.poll(() => dis.locator('.disagreement').count()).toBe(2);
    const first = dis.locator(`.disagreement[data-trace-id="${traces[2]}"]`);
    expect(await first.textContent()).toContain('The answer addresses the request.');
    expect(await first.textContent()).toContain('drifts into baggage rules (2)');
    expect(await first.getByRole('link', { name: traces[2] }).getAttribute('href')).toBe(`/traces/${traces[2]}`);
    expect(await page.getByText('Not gated: rules run the newest version.').count()).toBe(1);
    await screenshot(page, 'calibration-agreement');
    expect(page.errors).toEqual([]);
  });

  it('aligns a draft judge and shows the changed verdicts, writing no scores', async () => {
    const form = page.getByRole('form', { name: 'Alignment' });
    await form.getByLabel('Draft changes').fill(JSON.stringify({ config: { provider_id: draftProvider } }));
    await form.getByRole('button', { name: 'Run alignment' }).click();
    const result = page.getByRole('region', { name: 'Alignment result' });
    await expect.poll(() => result.count(), { timeout: 30_000 }).toBe(1);
    expect(await result.textContent()).toContain('4 labelled items');
    expect(await result.locator('[data-stat="accuracy"] td').nth(1).textContent()).toContain('0.5');
    expect(await result.locator('[data-stat="accuracy"] td').nth(2).textContent()).toContain('0.5');
    expect(await result.locator('tbody tr[data-trace-id]').count()).toBe(4);
    expect(await result.locator(`tr[data-trace-id="${traces[3]}"]`).textContent()).toContain('now agrees');
    expect(await result.locator(`tr[data-trace-id="${traces[0]}"]`).textContent()).not.toContain('now agrees');
    // Bad JSON is caught before sending.
    await form.getByLabel('Draft changes').fill('{ not json');
    await form.getByRole('button', { name: 'Run alignment' }).click();
    await expect.poll(() => form.locator('.field-error').textContent()).toContain('Not JSON');
    await screenshot(page, 'calibration-align');
    expect((await call(`/v1/evaluators/${ev.id}/scores?limit=10`)).scores).toHaveLength(4);
    expect(page.errors).toEqual([]);
  });
});
