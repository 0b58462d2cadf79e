/**
 * The dashboard in real headless Chromium against a real `wrangler dev`: traces of two
 * releases on two days posted through the API (tagged so other files' traces stay out),
 * the six uPlot charts drawn with their legend (charts, model table and release comparison
 * in one POST /v1/stats/batch), the split switched to release (two lines), a point clicked
 * and the accessible table's bucket link followed, each landing on /traces
 * with exactly that bucket's traces; the release comparison and the model table; the demo's
 * two tau2 releases; dark mode and a phone-wide screen.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';

const loupe = inject('loupe');
const suffix = crypto.randomUUID().slice(0, 8);
const TAG = `dash-${suffix}`;
const A = `v1-${suffix}`;
const B = `v2-${suffix}`;
const DAY = 86_400_000;

async function call(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A trace: an agent root and one LLM call with usage; `error` fails the call. */
function trace(id: string, release: string, start: number, opts: { error?: boolean; latency: number; tokens: number }) {
  return [
    { id: `${id}-root`, trace_id: id, name: 'dash-agent', kind: 'agent', start_time: start, end_time: start + opts.latency, tags: [TAG], release, environment: 'production' },
    {
      id: `${id}-llm`,
      trace_id: id,
      parent_id: `${id}-root`,
      name: 'chat',
      kind: 'llm',
      model: `dash-model-${suffix}`,
      start_time: start + 10,
      end_time: start + opts.latency - 10,
      status: opts.error ? 'error' : 'ok',
      ...(opts.error ? { error: 'rate limited' } : {}),
      usage: { input_tokens: opts.tokens - 20, output_tokens: 20, total_tokens: opts.tokens, cost_usd: opts.tokens / 100_000 },
    },
  ];
}

/** The dashboard URL on this file's traces over the last 7 days, per day. */
const dashboardUrl = (extra = '') => `${loupe.url}/dashboard?q=${encodeURIComponent(`tag=${TAG}`)}&range=7d&bucket=day${extra}`;

/** The traces list's trace ids, once loaded. */
async function listedIds(page: Page): Promise<string[]> {
  await page.locator('table.traces tbody tr').first().waitFor();
  return (await page.locator('table.traces tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trace-id')))).sort() as string[];
}

describe('the dashboard', () => {
  let browser: Browser;
  // Two UTC days back and one day back, mid-morning: inside "last 7 days" whatever the hour now.
  const today = Math.floor(Date.now() / DAY) * DAY;
  const day1 = today - 2 * DAY;
  const day2 = today - DAY;
  const ids = { a: [`${TAG}-a1`, `${TAG}-a2`, `${TAG}-a3`], b: [`${TAG}-b1`, `${TAG}-b2`] };

  beforeAll(async () => {
    browser = await launchBrowser();
    await call('/v1/spans', {
      spans: [
        ...trace(ids.a[0], A, day1 + 10 * 3_600_000, { latency: 1000, tokens: 100 }),
        ...trace(ids.a[1], A, day1 + 11 * 3_600_000, { latency: 2000, tokens: 200, error: true }),
        ...trace(ids.a[2], A, day1 + 12 * 3_600_000, { latency: 3000, tokens: 300 }),
        ...trace(ids.b[0], B, day2 + 10 * 3_600_000, { latency: 500, tokens: 120 }),
        ...trace(ids.b[1], B, day2 + 11 * 3_600_000, { latency: 700, tokens: 140 }),
      ],
    });
    for (const [id, score] of [
      [ids.a[0], 1],
      [ids.a[1], 0],
      [ids.a[2], 0],
      [ids.b[0], 1],
      [ids.b[1], 1],
    ] as const)
      await call('/v1/feedback', { trace_id: id, key: 'thumbs', score });
    // The figures are read from the trace index: wait until the ingest queue stored all five.
    for (let i = 0; i < 150; i++) {
      const list = await call(`/v1/traces?limit=50&q=${encodeURIComponent(`tag=${TAG} feedback.thumbs in (0, 1)`)}`);
      if (list.traces.length === 5) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the six charts with their legend, splits by release into two lines, and a clicked point opens exactly its traces', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(/\/dashboard/);
    // The page's charts, model table and release comparison come in one request.
    const statsCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/stats/')) statsCalls.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(dashboardUrl());

    const charts = page.locator('.dash-chart');
    const traces = page.locator('[data-chart="traces"]');
    await traces.locator('canvas').waitFor();
    expect(await charts.count()).toBe(6);
    expect(await page.locator('.dash-chart canvas').count()).toBe(6);
    await expect.poll(() => traces.locator('.dash-figure').textContent()).toBe('5 traces');
    await page.locator('.dash-releases-table').waitFor();
    expect(statsCalls).toEqual(['POST /v1/stats/batch']);
    expect(await page.locator('[data-chart="error-rate"] .dash-figure').textContent()).toBe('20% 1 failed');
    expect(await page.locator('[data-chart="tokens"] .dash-figure').textContent()).toBe('860 tokens');
    expect(await page.locator('[data-chart="feedback-and-scores"] .dash-figure').textContent()).toBe('0.60 average of 5 feedback.thumbs');
    expect(await page.locator('[data-chart="latency"] .u-legend .u-label').allTextContents()).toEqual(['UTC', 'p50', 'p95', 'p99']);
    // Hovering the day of release A's three traces puts its figure in the legend.
    const over = traces.locator('.u-over');
    const box = (await over.boundingBox())!;
    const n = 8; // the 8 UTC days that "last 7 days" touches
    const xOf = (t: number) => box.x + (((t - (today - 7 * DAY)) / DAY) * box.width) / (n - 1);
    await page.mouse.move(xOf(day1), box.y + box.height / 2);
    await expect.poll(() => traces.locator('.u-legend .u-series').nth(1).locator('.u-value').textContent()).toBe('3');
    await screenshot(page, 'dashboard');

    // Split by release: one line per release.
    await page.getByLabel('Split by').selectOption('release');
    await page.waitForURL((u) => u.searchParams.get('split') === 'release');
    await expect.poll(() => traces.locator('.u-legend .u-label').allTextContents()).toEqual(['UTC', A, B]);
    await screenshot(page, 'dashboard-split-release');

    // Click release B's point on its day (2 traces; A has 0 there): the traces page lists exactly those.
    const box2 = (await traces.locator('.u-over').boundingBox())!;
    // The y axis runs from 0 to 1.1 x the largest count (3).
    await page.mouse.move(xOf(day2), box2.y + box2.height * (1 - 2 / 3.3));
    await page.mouse.down();
    await page.mouse.up();
    await page.waitForURL(/\/traces\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('q')).toBe(`(tag=${TAG}) and (release="${B}")`);
    expect(url.searchParams.get('from')).toBe(new Date(day2).toISOString());
    expect(url.searchParams.get('to')).toBe(new Date(day2 + DAY).toISOString());
    expect(await listedIds(page)).toEqual([...ids.b].sort());
    await screenshot(page, 'dashboard-point-traces');
    expect(page.errors).toEqual([]);
    await context.close();
  });

  it("offers every point as a link in the chart's table, and compares the two releases side by side", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(dashboardUrl(`&split=release&a=${A}&b=${B}`));

    // The release comparison: B has no errors where A had one in three, and faster latency.
    const cmp = page.locator('.dash-releases-table');
    await expect.poll(() => cmp.locator('tr[data-figure="trace_count"] td[data-side="a"]').textContent()).toBe('3');
    expect(await cmp.locator('tr[data-figure="trace_count"] td[data-side="b"]').textContent()).toBe('2');
    expect(await cmp.locator('tr[data-figure="error_rate"] td[data-side="a"]').textContent()).toBe('33.3%');
    expect(await cmp.locator('tr[data-figure="error_rate"] .dash-delta').textContent()).toBe('−33.3 pts');
    expect(await cmp.locator('tr[data-figure="error_rate"] .dash-delta').getAttribute('class')).toContain('delta-better');
    expect(await cmp.locator('tr[data-figure="feedback.thumbs"] td[data-side="b"]').textContent()).toBe('1 (n=2)');
    expect(await cmp.locator('tr[data-figure="feedback.thumbs"] .dash-delta').getAttribute('class')).toContain('delta-better');
    // The model table: the one model of these traces, five calls, one failed.
    const model = page.locator(`.dash-models tr[data-model="dash-model-${suffix}"]`);
    await expect.poll(() => model.locator('td').first().textContent()).toBe('5');
    expect(await model.textContent()).toContain('20%');
    await screenshot(page, 'dashboard-releases');

    // The traces chart's table, for keyboard and screen-reader users: A's day, A's cell.
    const traces = page.locator('[data-chart="traces"]');
    await traces.locator('canvas').waitFor();
    await traces.locator('summary', { hasText: 'Table' }).click();
    const row = traces.locator(`.dash-chart-table tr[data-t="${day1}"]`);
    // The table renders on the details' toggle event, a moment after the click.
    await row.waitFor();
    expect(await row.locator('th').count()).toBe(1);
    const cells = row.locator('td');
    expect(await cells.allTextContents()).toEqual(['3', '0']);
    await cells.first().getByRole('link').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/traces\?/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(`(tag=${TAG}) and (release="${A}")`);
    expect(await listedIds(page)).toEqual([...ids.a].sort());
    expect(page.errors).toEqual([]);
    await context.close();
  });

  it("shows the demo's two tau2 releases, follows dark mode, and fits a phone", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/dashboard?split=release`);
    const traces = page.locator('[data-chart="traces"]');
    await traces.locator('canvas').waitFor();
    // The demo: tau-bench (no release) and the tau2 base and fine-tuned agents over the last 30 days.
    await expect.poll(async () => (await traces.locator('.u-legend .u-label').allTextContents()).filter((l) => l.startsWith('gpt-4.1')).sort()).toEqual(['gpt-4.1', 'gpt-4.1-ft']);
    const width = await traces.locator('canvas').evaluate((c) => c.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(390);
    expect(width).toBeGreaterThan(250);
    // The chart takes the dark page's text colour (its legend; the axes are drawn in the resolved muted colour).
    const axisInk = await page.evaluate(() => getComputedStyle(document.querySelector('.dash-chart-plot')!).color);
    expect(axisInk).toBe('rgb(230, 232, 235)');
    await screenshot(page, 'dashboard-phone-dark');
    expect(page.errors).toEqual([]);
    await context.close();
  });
});
