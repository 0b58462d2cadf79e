/**
 * The Insights page in real headless Chromium against a real `wrangler dev` with the
 * tau-bench demo: run a report from the form, watch it finish, open the top failure
 * pattern's traces on the traces page (its membership filter), send them to a queue,
 * add them to a dataset tagged with the pattern, track it and see it listed on the Insights page.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';
import { apiClient } from './api.ts';

const loupe = inject('loupe');

const call = apiClient(loupe);

describe('the Insights page', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('runs a report on the demo, opens the top failure pattern’s traces and sends them to a queue', async () => {
    const queue = await call('/v1/review-queues', { name: 'Insights top pattern', rubric: [{ key: 'correct', type: 'boolean' }] });
    const dataset = await call('/v1/datasets', { name: `insights-failure-modes-${Date.now()}` });
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/insights`);
    await page.getByLabel('Report filter').fill('tag=tau-bench');
    await page.getByLabel('Failure filter').fill('feedback.outcome=0');
    await page.getByRole('button', { name: 'Run report' }).click();
    await page.waitForURL(/\/insights\/ir_[0-9a-f]+$/);
    const reportId = page.url().split('/').pop()!;
    const top = page.locator('tr[data-pattern="p1"]');
    await top.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('.insights-summary').textContent()).toContain('200 traces, 116 failing');
    expect(await page.locator('tr[data-cluster]').count()).toBeGreaterThan(2);
    await screenshot(page, 'insights-report');

    const patterns = await call(`/v1/insights/reports/${reportId}/patterns`);
    const p1 = patterns.patterns[0];
    // Send to the queue from the pattern's row.
    await top.getByLabel('Queue for p1').selectOption(queue.id);
    await top.getByRole('button', { name: 'Send to queue' }).click();
    await expect.poll(() => top.getByRole('status').textContent()).toBe(`Added ${p1.support} of ${p1.support}`);
    const items = await call(`/v1/review-queues/${queue.id}/items?limit=500`);
    expect(items.items).toHaveLength(p1.support);

    // Add its traces to a dataset as failure-mode examples tagged with the pattern.
    await top.getByLabel('Dataset for p1').selectOption(dataset.id);
    await top.getByRole('button', { name: 'Add to dataset' }).click();
    await expect.poll(() => top.locator('.add-to-dataset [role="status"]').textContent(), { timeout: 30_000 }).toBe(`Added ${p1.support}`);
    const examples = await call(`/v1/datasets/${dataset.id}/examples?limit=1000&q=${encodeURIComponent(`tag="insight:${reportId}:p1"`)}`);
    expect(examples.examples).toHaveLength(p1.support);
    expect(examples.examples[0].tags).toContain(p1.label.slice(0, 200));

    // Track it: the Insights page lists it with its status and rate.
    await top.getByRole('button', { name: 'Track' }).click();
    await expect.poll(() => top.getByRole('status').last().textContent()).toMatch(/^Tracked \((open|fixed)\)$/);
    // (Other tests share this Loupe: look only at this report's entries.)
    const tracked = (await call('/v1/insights/tracked')).tracked.filter((t: { report_id: string }) => t.report_id === reportId);
    expect(tracked.map((t: { pattern_key: string }) => t.pattern_key)).toEqual([p1.key]);

    // Open its traces: the traces page with the membership filter, exactly its traces.
    await top.getByRole('link', { name: 'Open traces' }).click();
    await page.waitForURL(/\/traces\?q=/);
    expect(decodeURIComponent(new URL(page.url()).searchParams.get('q')!)).toBe(`insight.${reportId}=p1`);
    await expect.poll(() => page.locator('tr[data-trace-id], .trace-row').count(), { timeout: 15_000 }).toBe(p1.support);
    await screenshot(page, 'insights-pattern-traces');
    await page.goto(`${loupe.url}/insights`);
    await page.locator(`tr[data-tracked="${tracked[0].id}"]`).waitFor();
    expect(await page.locator(`tr[data-tracked="${tracked[0].id}"]`).textContent()).toContain(p1.label);
    expect(page.errors).toEqual([]);
  });
});
