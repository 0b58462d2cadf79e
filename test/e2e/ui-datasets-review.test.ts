/**
 * The datasets UI where it meets the review queues and the demo's ground truth, in real
 * headless Chromium against a real `wrangler dev`: a queue's settings pick (and clear) the
 * dataset its corrections go to; "Add to dataset" on a failing demo trace starts with the
 * trace's expected tool calls (metadata.expected_actions) as the expected trajectory.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage } from './browser.ts';
import { apiClient } from './api.ts';

const loupe = inject('loupe');

const call = apiClient(loupe);

describe('the datasets UI with queues and the demo', () => {
  let browser: Browser;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a queue’s settings pick the dataset its corrections go to, and clear it', async () => {
    const ds = await call('/v1/datasets', { name: 'Corrections (UI)' });
    const queue = await call('/v1/review-queues', { name: 'Corrections queue (UI)', rubric: [{ key: 'correct', type: 'boolean' }], correction: true });
    expect(queue.dataset_id).toBeNull();
    const page = await newPage(context);
    await page.goto(`${loupe.url}/queues/${queue.id}/settings`);
    const picker = page.getByLabel('Dataset for corrections');
    await picker.selectOption(ds.id);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Saved');
    expect((await call(`/v1/review-queues/${queue.id}`)).dataset_id).toBe(ds.id);

    // Cleared before any reload: the form still sends the field.
    await picker.selectOption('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await call(`/v1/review-queues/${queue.id}`)).dataset_id).toBeNull();
    await picker.selectOption(ds.id);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await call(`/v1/review-queues/${queue.id}`)).dataset_id).toBe(ds.id);
    // A reload shows the queue's dataset.
    await page.reload();
    await expect.poll(() => picker.inputValue()).toBe(ds.id);
    expect(page.errors).toEqual([]);
  });

  it('adding a failing demo trace starts from its expected tool calls', async () => {
    const failing = (await call(`/v1/traces?limit=1&q=${encodeURIComponent('tag=tau-bench feedback.outcome=0')}`)).traces[0];
    const expected = failing.metadata.expected_actions.map((a: any) => ({ name: a.name, args: a.kwargs }));
    expect(expected.length).toBeGreaterThan(0);
    const page = await newPage(context);
    await page.goto(`${loupe.url}/traces/${encodeURIComponent(failing.id)}`);
    await page.getByRole('button', { name: 'Add to dataset' }).click();
    const trajectory = page.getByRole('dialog', { name: 'Add this trace to a dataset' }).getByLabel('Expected tool calls');
    await trajectory.waitFor();
    expect(JSON.parse(await trajectory.inputValue())).toEqual(expected);
    expect(page.errors).toEqual([]);
  });
});
