/**
 * Importing into a dataset from the dataset page in real headless Chromium against a real
 * `wrangler dev`: a JSONL file with a bad line keeps the good lines as one version and
 * lists the bad line with its field and reason; the export link downloads what was imported.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';
import { apiClient } from './api.ts';

const loupe = inject('loupe');

const call = apiClient(loupe);

describe('dataset import in the UI', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('imports a JSONL file, keeping the good lines as one version and listing the bad one', async () => {
    const ds = await call('/v1/datasets', { name: 'Imported (UI)', inputs_schema: { type: 'object', required: ['question'] } });
    const page = await newPage(await browser.newContext({ viewport: { width: 1400, height: 900 } }));
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/datasets/${ds.id}`);
    const lines = [{ inputs: { question: 'Can I cancel?' }, outputs: { answer: 'Yes, within 24 hours' } }, { inputs: { q: 'no question key' } }, { inputs: { question: 'Refund?' }, splits: ['test'] }];
    await page.getByLabel('Import file').setInputFiles({ name: 'examples.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')) });
    await expect.poll(() => page.locator('.dataset-page > [role="status"]').textContent()).toBe('Imported 2 examples as version 1; 1 bad line left out');
    const errors = page.getByLabel('Import errors').locator('li');
    expect(await errors.count()).toBe(1);
    expect(await errors.first().textContent()).toMatch(/^line 2: inputs/);
    await expect.poll(() => page.locator('tr.example-row').count()).toBe(2);
    await screenshot(page, 'datasets-import');

    const href = (await page.getByRole('link', { name: 'Export JSONL' }).getAttribute('href'))!;
    const exported = (await (await page.request.get(`${loupe.url}${href}`)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(exported.map((e) => e.inputs.question).sort()).toEqual(['Can I cancel?', 'Refund?']);
    expect(page.errors).toEqual([]);
  });
});
