import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';

const loupe = inject('loupe');

async function apiGet(path: string): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
  return res.json();
}

async function postSpans(spans: unknown[]): Promise<void> {
  const res = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
  expect(res.status).toBe(202);
}

async function waitForTrace(id: string, spans: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${loupe.url}/v1/traces/${id}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
    if (res.ok && ((await res.json()) as any).spans.length >= spans) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`trace ${id} never indexed`);
}

describe('the review UI: traces', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page & { errors: string[] };

  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await newPage(context);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('logs in and shows the demo traces with their feedback', async () => {
    await page.goto(`${loupe.url}/traces`);
    await page.waitForURL(/\/login\?next=%2Ftraces/);
    await screenshot(page, 'login');
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    const rows = page.locator('table.traces tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    // Other e2e files share this Loupe and add newer traces, so find a demo row rather than assume it is first.
    const demoRow = rows.filter({ has: page.locator('.trace-link', { hasText: /^airline-agent$/ }) }).first();
    await demoRow.waitFor();
    expect(await demoRow.locator('[data-key="outcome"]').count()).toBe(1);
    expect(await page.locator('.pager button', { hasText: 'Next' }).isEnabled()).toBe(true);
    await screenshot(page, 'traces');
    expect(page.errors).toEqual([]);
  });

  it('filters with the shared language, keeps the filter in the URL, and shows a parse error at its position', async () => {
    const q = 'feedback.outcome=0 has(kind=tool status=error)';
    const expected: any = await apiGet(`/v1/traces?limit=500&q=${encodeURIComponent(q)}`);
    expect(expected.traces.length).toBeGreaterThan(0);
    const input = page.getByRole('combobox', { name: 'Filter' });
    await input.fill(q);
    await input.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === q);
    const rows = page.locator('table.traces tbody tr');
    await expect.poll(() => rows.count()).toBe(Math.min(expected.traces.length, 50));
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trace-id')));
    expect(ids).toEqual(expected.traces.slice(0, 50).map((t: any) => t.id));
    await screenshot(page, 'traces-filtered');

    // The same URL in a fresh tab shows the same view.
    const shared = await newPage(context);
    await shared.goto(page.url());
    await shared.locator('table.traces tbody tr').first().waitFor();
    expect(await shared.getByRole('combobox', { name: 'Filter' }).inputValue()).toBe(q);
    expect(await shared.locator('table.traces tbody tr').count()).toBe(ids.length);
    await shared.close();

    // A broken filter is caught before it is sent, with the bad part marked.
    await input.fill('env=production and (latency>5s');
    const error = page.locator('.filter-error');
    await error.waitFor();
    expect(await error.locator('mark').count()).toBe(1);
    expect(await error.locator('.filter-error-message').textContent()).toMatch(/column \d+/);
    expect(await page.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await screenshot(page, 'filter-error');
  });

  it("autocompletes fields, the project's metadata keys and tag values", async () => {
    const input = page.getByRole('combobox', { name: 'Filter' });
    await input.fill('');
    await input.pressSequentially('metad');
    const options = page.locator('.suggestions li code');
    await expect.poll(() => options.allTextContents()).toContain('metadata.');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('metadata.');
    // The first keys in order (the list is capped); typing narrows it to the rest.
    await expect.poll(() => options.allTextContents()).toEqual(expect.arrayContaining(['task_id', 'trial', 'turn']));
    await input.pressSequentially('user');
    await expect.poll(() => options.allTextContents()).toEqual(['user_instruction']);
    await input.fill('');
    await input.pressSequentially('tag=tau');
    // The demo's tags: tau-bench conversations and the tau2-bench experiment runs.
    await expect.poll(() => options.allTextContents()).toEqual(['tau-bench', 'tau2-bench']);
    await input.pressSequentially('-');
    await expect.poll(() => options.allTextContents()).toEqual(['tau-bench']);
    await input.press('Tab');
    expect(await input.inputValue()).toBe('tag=tau-bench');
    await input.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === 'tag=tau-bench');
    await expect.poll(() => page.locator('table.traces tbody tr').count()).toBe(50);
  });

  it('sorts by latency and pages forward and back', async () => {
    await page.goto(`${loupe.url}/traces`);
    await page.getByRole('button', { name: /Latency/ }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'latency');
    const expected: any = await apiGet('/v1/traces?sort=latency&limit=50');
    await expect.poll(() => page.locator('table.traces tbody tr').first().getAttribute('data-trace-id')).toBe(expected.traces[0].id);
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.waitForURL((u) => u.searchParams.has('cursor'));
    const second: any = await apiGet(`/v1/traces?sort=latency&limit=50&cursor=${expected.next_cursor}`);
    await expect.poll(() => page.locator('table.traces tbody tr').first().getAttribute('data-trace-id')).toBe(second.traces[0].id);
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(() => page.locator('table.traces tbody tr').first().getAttribute('data-trace-id')).toBe(expected.traces[0].id);
  });

  it('opens a trace and reads a tool call with its arguments and result', async () => {
    const found: any = await apiGet(`/v1/traces?limit=1&q=${encodeURIComponent('has(kind=tool name=get_reservation_details)')}`);
    const traceId = found.traces[0].id;
    const tree: any = await apiGet(`/v1/traces/${traceId}`);
    const tool = tree.spans.find((s: any) => s.name === 'get_reservation_details');
    const caller = tree.spans.find((s: any) => s.kind === 'llm' && JSON.stringify(s.output).includes(tool.metadata.tool_call_id));

    await page.goto(`${loupe.url}/traces?q=${encodeURIComponent(`trace=${traceId}`)}`);
    await page.locator('.trace-link').first().click();
    await page.waitForURL(new RegExp(`/traces/${traceId}`));
    const rows = page.locator('.span-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(tree.spans.length);

    await page.locator(`.span-row[data-span-id="${tool.id}"]`).click();
    await page.waitForURL((u) => u.searchParams.get('span') === tool.id);
    const detail = page.locator('.span-detail');
    expect(await detail.locator('.span-title').textContent()).toBe('get_reservation_details');
    const args = detail.getByRole('region', { name: 'Arguments' });
    expect(await args.textContent()).toContain('reservation_id');
    expect(await args.textContent()).toContain(String(tool.input.reservation_id));
    expect(await detail.getByRole('region', { name: 'Result' }).textContent()).toContain('flights');
    await screenshot(page, 'trace-tool-span');

    // The LLM turn that made the call shows it as a tool call inside the assistant message.
    await page.locator(`.span-row[data-span-id="${caller.id}"]`).click();
    const call = detail.getByRole('region', { name: 'Output' }).locator('.tool-call');
    await call.first().waitFor();
    expect(await call.first().locator('.tool-name').textContent()).toBe('get_reservation_details');
    expect(await call.first().textContent()).toContain(String(tool.input.reservation_id));
    expect(await detail.getByRole('region', { name: 'Input' }).locator('.message.role-system').count()).toBe(1);
    await screenshot(page, 'trace-llm-span');
    expect(page.errors).toEqual([]);
  });

  it('deep-links to a span and moves through spans with j/k and the arrow keys', async () => {
    const found: any = await apiGet(`/v1/traces?limit=1&q=${encodeURIComponent('has(kind=tool)')}`);
    const tree: any = await apiGet(`/v1/traces/${found.traces[0].id}`);
    const third = tree.spans[2];
    await page.goto(`${loupe.url}/traces/${tree.trace.id}?span=${encodeURIComponent(third.id)}`);
    const selected = page.locator('.span-row[aria-selected="true"]');
    await selected.waitFor();
    expect(await selected.getAttribute('data-span-id')).toBe(third.id);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await expect.poll(() => selected.getAttribute('data-span-id')).toBe(tree.spans[4].id);
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => selected.getAttribute('data-span-id')).toBe(tree.spans[2].id);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => new URL(page.url()).searchParams.get('span')).toBe(tree.spans[3].id);
    // Left on a leaf goes to its parent (the root); left on the root collapses it.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => selected.getAttribute('data-span-id')).toBe(tree.spans[0].id);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('.span-row').count()).toBe(1);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('.span-row').count()).toBe(tree.spans.length);
    // Fast key repeats (no waiting between keys): the address bar ends on the selected span.
    for (const key of ['j', 'j', 'j', 'k', 'j', 'k', 'k', 'j', 'j', 'j', 'k', 'k']) await page.keyboard.press(key);
    const both = async () => `${new URL(page.url()).searchParams.get('span')} / ${await selected.getAttribute('data-span-id')}`;
    await expect.poll(both).toBe(`${tree.spans[2].id} / ${tree.spans[2].id}`);
  });

  it('adds thumbs, a score, a comment and a correction, and the table shows the feedback', async () => {
    const found: any = await apiGet(`/v1/traces?limit=1&q=${encodeURIComponent('feedback.outcome=1')}`);
    const traceId = found.traces[0].id;
    await page.goto(`${loupe.url}/traces/${traceId}`);
    const form = page.getByRole('form', { name: 'Feedback on this trace' });
    await form.waitFor();
    await form.getByRole('button', { name: 'Thumbs down' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Thumbs down saved');
    await form.getByRole('button', { name: 'Thumbs up' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Thumbs up saved');
    await form.getByLabel('Score', { exact: true }).fill('0.25');
    await form.getByLabel('Comment').fill('Booked the **wrong** flight');
    await form.getByLabel('Correction').fill('{"action":"cancel_reservation"}');
    await form.getByRole('button', { name: 'Save feedback' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Feedback saved');
    await expect.poll(() => page.locator('.feedback-item[data-key="correction"]').count()).toBe(1);
    expect(await page.locator('.feedback-item[data-key="correction"] .markdown strong').textContent()).toBe('wrong');
    await screenshot(page, 'trace-feedback');

    const stored: any = await apiGet(`/v1/traces/${traceId}`);
    const human = stored.feedback.filter((f: any) => f.source === 'human');
    expect(human.map((f: any) => [f.key, f.score]).sort()).toEqual([
      ['correction', null],
      ['score', 0.25],
      ['thumbs', 1],
    ]);
    expect(human.every((f: any) => f.author === loupe.email && f.span_id === null)).toBe(true);
    expect(human.find((f: any) => f.key === 'correction').correction).toEqual({ action: 'cancel_reservation' });

    await page.getByRole('link', { name: '← Traces' }).click();
    const input = page.getByRole('combobox', { name: 'Filter' });
    await input.fill(`trace=${traceId}`);
    await input.press('Enter');
    const row = page.locator(`tr[data-trace-id="${traceId}"]`);
    await row.waitFor();
    expect(await row.locator('[data-key="thumbs"] .fb-value').textContent()).toBe('👍');
    expect(await row.locator('[data-key="score"] .fb-value').textContent()).toBe('0.25');
    await screenshot(page, 'traces-with-feedback');
  });

  it('shows an LLM output carrying <script> and <img onerror> as text or sanitized markup, never running it', async () => {
    const traceId = `xss-${Date.now()}`;
    const evil = 'Here you go <script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = \'img\'"> and **bold** <a href="javascript:window.__pwned=1">link</a>';
    await postSpans([
      { id: 'root', trace_id: traceId, name: '<img src=x onerror="window.__pwned=\'name\'">', kind: 'agent', start_time: Date.now() - 2000, end_time: Date.now(), input: evil, output: { role: 'assistant', content: evil }, metadata: { note: '<script>window.__pwned="meta"</script>' } },
      { id: 'llm', trace_id: traceId, parent_id: 'root', name: 'chat', kind: 'llm', start_time: Date.now() - 1500, end_time: Date.now() - 500, input: { messages: [{ role: 'user', content: evil }] }, output: { role: 'assistant', content: evil } },
    ]);
    await waitForTrace(traceId, 2);
    await page.goto(`${loupe.url}/traces?q=${encodeURIComponent(`trace=${traceId}`)}`);
    await page.locator(`tr[data-trace-id="${traceId}"]`).waitFor();
    await page.goto(`${loupe.url}/traces/${traceId}?span=llm`);
    const output = page.locator('.span-detail').getByRole('region', { name: 'Output' });
    await output.locator('.markdown strong').waitFor();
    expect(await output.locator('.markdown strong').textContent()).toBe('bold');
    await page.locator('.span-row[data-span-id="root"]').click();
    await page.locator('.span-detail').getByRole('region', { name: 'Metadata' }).waitFor();
    expect(await page.locator('.span-detail').getByRole('region', { name: 'Metadata' }).textContent()).toContain('<script>window.__pwned="meta"</script>');
    expect(await page.locator('.trace-title').textContent()).toBe('<img src=x onerror="window.__pwned=\'name\'">');
    await page.locator('.span-detail a', { hasText: 'link' }).first().click().catch(() => undefined);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('[onerror]').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    await screenshot(page, 'trace-xss');
  });

  it('fits a phone and works in dark mode', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true, storageState: await context.storageState() });
    const p = await newPage(phone);
    await p.goto(`${loupe.url}/traces`);
    await p.locator('table.traces tbody tr').first().waitFor();
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(20, 22, 26)');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(p, 'phone-dark-traces');
    await p.locator('.trace-link').first().click();
    await p.locator('.span-row').first().waitFor();
    await p.locator('.span-detail').waitFor();
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(p, 'phone-dark-trace');
    expect(p.errors).toEqual([]);
    await phone.close();
  });
});
