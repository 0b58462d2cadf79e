/**
 * The datasets screens in real headless Chromium against a real `wrangler dev` with the
 * tau-bench demo: make a dataset with an expected-output schema, add a failing demo trace
 * to it from the trace page (the editor prefilled from the trace), correct its expected
 * output (a schema error shown at the field first), and see the new version, the old one
 * still readable (and exported as it was), and the diff between them; add every failing
 * trace from the traces page's filter in one version; and add one span of a trace.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';
import { apiClient } from './api.ts';

const loupe = inject('loupe');

const call = apiClient(loupe);

const FAILING = 'tag=tau-bench feedback.outcome=0';

describe('the datasets UI', () => {
  let browser: Browser;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    // Every test below reads the session this login leaves in the context.
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.close();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('adds a failing demo trace to a dataset, corrects its expected output, and shows the new version and the diff', async () => {
    const failing = (await call(`/v1/traces?limit=1&q=${encodeURIComponent(FAILING)}`)).traces[0];
    expect(failing).toBeDefined();
    const page = await newPage(context);
    await page.goto(`${loupe.url}/traces`);

    // Make the dataset, with a schema for expected outputs.
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.waitForURL(/\/datasets$/);
    await page.getByRole('button', { name: 'New dataset' }).click();
    const create = page.getByRole('form', { name: 'New dataset' });
    await create.getByLabel('Dataset name').fill('Failed bookings (UI)');
    await create.getByLabel('Description').fill('Failing tau-bench conversations with the right answer');
    // A schema the API cannot use is refused, and said under its box.
    await create.getByLabel('Outputs schema').fill('{"type": "object", "properties": {"answer": {"type": "text"}}}');
    await create.getByRole('button', { name: 'Create dataset' }).click();
    await expect.poll(() => create.locator('.has-error .field-error').textContent()).toMatch(/^outputs_schema: not a usable JSON Schema .*answer/);
    await create.getByLabel('Outputs schema').fill('{"type": "object", "properties": {"answer": {"type": "string"}}}');
    await create.getByRole('button', { name: 'Create dataset' }).click();
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
    const datasetId = page.url().split('/').pop()!;
    await expect.poll(() => page.locator('[data-latest-version]').textContent()).toBe('latest v0');

    // From the failing trace: the editor starts from the trace's root span.
    await page.goto(`${loupe.url}/traces/${encodeURIComponent(failing.id)}`);
    await page.getByRole('button', { name: 'Add to dataset' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add this trace to a dataset' });
    const inputs = dialog.getByLabel('Inputs');
    await inputs.waitFor();
    const tree = await call(`/v1/traces/${encodeURIComponent(failing.id)}`);
    const root = tree.spans.find((s: any) => s.id === tree.trace.root_span_id);
    const prefilled = JSON.parse(await inputs.inputValue());
    expect(prefilled).toEqual(root.input && typeof root.input === 'object' && !Array.isArray(root.input) ? root.input : { input: root.input });
    await dialog.getByLabel('Dataset for this trace').selectOption(datasetId);
    // The agent's answer is not what the schema wants: replace it with the expected answer's shape.
    await dialog.getByLabel('Expected output').fill('{"answer": "pending review"}');
    await screenshot(page, 'datasets-editor-from-trace');
    await dialog.getByRole('button', { name: 'Add to dataset' }).click();
    await expect.poll(() => page.locator('.add-to-dataset [role="status"]').textContent()).toBe('Added to Failed bookings (UI) (v1)');
    await screenshot(page, 'datasets-add-from-trace');

    // The example keeps its source and is on the dataset page.
    await page.getByRole('link', { name: 'Failed bookings (UI)' }).click();
    await page.waitForURL(new RegExp(`/datasets/${datasetId}$`));
    const rows = page.locator('tr.example-row');
    await expect.poll(() => rows.count()).toBe(1);
    const exampleId = (await rows.first().getAttribute('data-example'))!;
    const v1 = await call(`/v1/datasets/${datasetId}/examples/${exampleId}?version=1`);
    expect(v1.source).toMatchObject({ trace_id: failing.id });
    expect(v1.outputs).toEqual({ answer: 'pending review' });

    // Edit the expected output: a value the schema refuses is shown at the field, nothing saved.
    await page.getByRole('button', { name: `Open example ${exampleId}` }).click();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const editor = page.getByRole('form', { name: `Edit example ${exampleId}` });
    await editor.getByLabel('Expected output').fill('{"answer": 42}');
    await editor.getByRole('button', { name: 'Save as new version' }).click();
    const fieldError = editor.locator('[data-field="outputs"] .field-error');
    await expect.poll(() => fieldError.textContent()).toMatch(/^outputs\.answer: .*string/i);
    expect(await editor.getByLabel('Expected output').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'datasets-schema-error');
    expect((await call(`/v1/datasets/${datasetId}`)).latest_version).toBe(1);

    const corrected = { answer: 'Cancel reservation and refund to the original payment method' };
    await editor.getByLabel('Expected output').fill(JSON.stringify(corrected));
    await editor.getByRole('button', { name: 'Save as new version' }).click();
    await expect.poll(() => page.locator('.dataset-page > [role="status"]').textContent()).toBe('Saved as version 2');
    await expect.poll(() => page.locator('[data-latest-version]').textContent()).toBe('latest v2');
    await expect.poll(() => rows.first().locator('[data-col="outputs"]').textContent()).toBe(JSON.stringify(corrected));

    // The export link downloads the version being viewed, with the browser's session.
    const exported = async () => {
      const href = (await page.getByRole('link', { name: 'Export JSONL' }).getAttribute('href'))!;
      const res = await page.request.get(`${loupe.url}${href}`);
      expect(res.status()).toBe(200);
      return (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    };
    expect((await exported()).map((e) => e.outputs)).toEqual([corrected]);

    // The old version is still there, read-only, with the old answer.
    await page.getByLabel('Version', { exact: true }).selectOption('v:1');
    await expect.poll(() => rows.first().locator('[data-col="outputs"]').textContent()).toBe('{"answer":"pending review"}');
    expect(await page.getByRole('note').textContent()).toContain('Viewing version 1');
    expect(await page.getByRole('button', { name: 'Add example' }).count()).toBe(0);
    expect((await exported()).map((e) => e.outputs)).toEqual([{ answer: 'pending review' }]);

    // Versions: v2 is the edit; its changes show the expected output before and after.
    await page.getByRole('button', { name: 'Versions (2)' }).click();
    const v2row = page.locator('tr[data-version="2"]');
    await v2row.waitFor();
    expect(await v2row.textContent()).toContain(`edited example ${exampleId}`);
    await v2row.getByRole('button', { name: 'Changes' }).click();
    await page.waitForURL(/tab=versions.*from=1&to=2|from=1&to=2.*tab=versions/);
    const diff = page.locator('.dataset-diff');
    await expect.poll(() => diff.getByRole('status').textContent()).toBe('v1 → v2: 0 added, 0 removed, 1 modified');
    const changed = diff.locator(`[data-example="${exampleId}"] [data-field]`);
    expect(await changed.count()).toBe(1);
    expect(await changed.getAttribute('data-field')).toBe('outputs');
    expect(JSON.parse((await diff.getByLabel('outputs before').textContent())!)).toEqual({ answer: 'pending review' });
    expect(JSON.parse((await diff.getByLabel('outputs after').textContent())!)).toEqual(corrected);
    await screenshot(page, 'datasets-diff');

    // The list shows the count and the latest version.
    await page.getByRole('link', { name: '← Datasets' }).click();
    const listRow = page.locator('tr[data-dataset="Failed bookings (UI)"]');
    await expect.poll(() => listRow.locator('td.num').allTextContents()).toEqual(['1', 'v2']);
    await screenshot(page, 'datasets-list');
    expect(page.errors).toEqual([]);
  });

  it('adds every trace the traces page’s filter matches, as one version', async () => {
    const expected = (await call(`/v1/traces?limit=500&q=${encodeURIComponent(FAILING)}`)).traces.length;
    expect(expected).toBeGreaterThan(0);
    const page = await newPage(context);
    await page.goto(`${loupe.url}/datasets`);
    await page.getByRole('button', { name: 'New dataset' }).click();
    await page.getByLabel('Dataset name').fill('All failing (UI)');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
    const datasetId = page.url().split('/').pop()!;

    await page.goto(`${loupe.url}/traces?q=${encodeURIComponent(FAILING)}`);
    await page.locator('table.traces tbody tr').first().waitFor();
    await page.getByLabel('Dataset for matching traces').selectOption(datasetId);
    await page.getByRole('button', { name: 'Add matches to dataset' }).click();
    const status = page.locator('.add-to-dataset [role="status"]');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^Added ${expected} to All failing \\(UI\\) \\(v1\\)`));
    const examples = await call(`/v1/datasets/${datasetId}/examples?limit=1000`);
    expect(examples.version).toBe(1);
    expect(examples.examples).toHaveLength(expected);
    expect(new Set(examples.examples.map((e: any) => e.source.trace_id)).size).toBe(expected);
    await screenshot(page, 'datasets-from-filter');

    // On the dataset page: a page of 50, text search and the split filter, as the API reads them.
    await page.goto(`${loupe.url}/datasets/${datasetId}`);
    const rows = page.locator('tr.example-row');
    await expect.poll(() => rows.count()).toBe(Math.min(expected, 50));
    const hits = (await call(`/v1/datasets/${datasetId}/examples?limit=50&search=baggage`)).examples.length;
    expect(hits).toBeGreaterThan(0);
    await page.getByLabel('Search examples').fill('baggage');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/search=baggage/);
    await expect.poll(() => rows.count()).toBe(hits);
    await page.getByLabel('Split').fill('test');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('.dataset-page .empty').textContent()).toBe('No example matches.');

    // The shared filter language over examples: every one came from a trace; none from a review.
    const first = examples.examples[0].source.trace_id;
    await page.getByLabel('Search examples').fill('');
    await page.getByLabel('Split').fill('');
    await page.getByLabel('Filter examples').fill(`source=trace and trace=${first}`);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/[?&]q=/);
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Filter examples').fill('source=review');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('.dataset-page .empty').textContent()).toBe('No example matches.');
    // A field that does not apply to examples: the API's 400 is shown, naming it.
    await page.getByLabel('Filter examples').fill('latency>5s');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('.dataset-page').textContent()).toContain('latency applies to traces and spans, not to dataset examples');
    expect(page.errors).toEqual([]);
  });

  it('adds one span of a trace (the selected one), keeping the span as the source', async () => {
    const ds = await call('/v1/datasets', { name: 'Tool calls (UI)' });
    const failing = (await call(`/v1/traces?limit=1&q=${encodeURIComponent(FAILING)}`)).traces[0];
    const tree = await call(`/v1/traces/${encodeURIComponent(failing.id)}`);
    const tool = tree.spans.find((s: any) => s.kind === 'tool');
    const page = await newPage(context);
    await page.goto(`${loupe.url}/traces/${encodeURIComponent(failing.id)}?span=${encodeURIComponent(tool.id)}`);
    await page.getByRole('button', { name: 'Add to dataset' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add this trace to a dataset' });
    await dialog.getByLabel('Example from').selectOption(tool.id);
    const inputs = dialog.getByLabel('Inputs');
    await expect.poll(async () => JSON.parse((await inputs.inputValue().catch(() => '')) || 'null')).toEqual(tool.input && typeof tool.input === 'object' && !Array.isArray(tool.input) ? tool.input : { input: tool.input });
    await dialog.getByLabel('Dataset for this trace').selectOption(ds.id);
    await dialog.getByRole('button', { name: 'Add to dataset' }).click();
    await expect.poll(() => page.locator('.add-to-dataset [role="status"]').textContent()).toBe('Added to Tool calls (UI) (v1)');
    const [example] = (await call(`/v1/datasets/${ds.id}/examples`)).examples;
    expect(example.source).toMatchObject({ trace_id: failing.id, span_id: tool.id });
    expect(example.inputs).toEqual(tool.input && typeof tool.input === 'object' && !Array.isArray(tool.input) ? tool.input : { input: tool.input });
    expect(page.errors).toEqual([]);
  });

  it('fits a phone in dark mode', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true, storageState: await context.storageState() });
    const p = await newPage(phone);
    await p.goto(`${loupe.url}/datasets`);
    const first = p.locator('tr[data-dataset] a').first();
    await first.waitFor();
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(p, 'phone-dark-datasets');
    await first.click();
    await p.locator('tr.example-row').first().waitFor();
    await p.locator('tr.example-row button').first().click();
    await p.locator('.example-detail').waitFor();
    const wide = await p.evaluate(() => [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > 391 && !el.closest('.table-wrap')).slice(0, 8).map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`));
    expect(wide).toEqual([]);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(p, 'phone-dark-dataset');
    expect(p.errors).toEqual([]);
    await phone.close();
  });
});
