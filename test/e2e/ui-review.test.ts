/**
 * The review screen in real headless Chromium against a real `wrangler dev`: a full review
 * done with the keyboard only (digits, e, c, Esc, Enter, s, ?), the next item loading in
 * place, and the review landing as feedback and in the export.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';

const loupe = inject('loupe');

async function call(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return path.includes('/export') ? text : JSON.parse(text);
}

/** A small agent trace: root, one LLM call with messages, one tool call. */
function conversation(id: string, question: string, answer: string) {
  const t0 = Date.parse('2026-01-02T10:00:00Z');
  return [
    { id: `${id}-root`, trace_id: id, name: 'support-agent', kind: 'agent', start_time: t0, end_time: t0 + 3000, input: question, output: answer, tags: ['e2e-review'] },
    { id: `${id}-llm`, trace_id: id, parent_id: `${id}-root`, name: 'chat gpt-4o', kind: 'llm', model: 'gpt-4o', start_time: t0 + 100, end_time: t0 + 1500, input: { messages: [{ role: 'user', content: question }] }, output: { role: 'assistant', content: answer } },
    { id: `${id}-tool`, trace_id: id, parent_id: `${id}-root`, name: 'lookup_order', kind: 'tool', start_time: t0 + 1600, end_time: t0 + 1800, input: { order: 42 }, output: { status: 'shipped' } },
  ];
}

describe('the review screen', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('does a full review with the keyboard only and loads the next item without a page load', async () => {
    await call('/v1/spans', { spans: [...conversation('e2e-review-1', 'Where is order 42?', 'It was cancelled.'), ...conversation('e2e-review-2', 'Refund please', 'Done.')] });
    for (let i = 0; i < 100; i++) {
      const list = await call(`/v1/traces?q=${encodeURIComponent('tag=e2e-review')}`);
      if (list.traces.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const queue = await call('/v1/review-queues', {
      name: 'Order support',
      instructions: 'Read the **whole** conversation.',
      correction: true,
      rubric: [
        { key: 'correct', type: 'boolean', description: 'Yes: the answer matches what the tools said' },
        { key: 'failure_mode', type: 'categorical', options: [{ value: 'hallucination', label: 'Hallucination' }, { value: 'policy' }, { value: 'other' }] },
        { key: 'quality', type: 'number', min: 1, max: 5, step: 1 },
      ],
    });
    const added = await call(`/v1/review-queues/${queue.id}/items`, { trace_ids: ['e2e-review-1', 'e2e-review-2'] });
    expect(added.added).toBe(2);

    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/queues/${queue.id}/review`);
    const traceLink = page.getByTestId('review-trace-id');
    await expect.poll(() => traceLink.textContent()).toBe('e2e-review-1');
    await page.locator('.span-row').first().waitFor();
    expect(await page.locator('.span-row').count()).toBe(3);
    // A page load would clear this.
    await page.evaluate(() => ((window as any).__sameDocument = true));

    // ? shows the shortcuts, ? hides them.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Shortcuts' }).waitFor();
    await screenshot(page, 'review-shortcuts');
    await page.keyboard.press('?');
    await expect.poll(() => page.getByRole('dialog', { name: 'Shortcuts' }).count()).toBe(0);

    // j moves through the spans of the trajectory.
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('.span-detail .span-title').textContent()).toBe('chat gpt-4o');

    // Digits answer the highlighted question and move on: No, Hallucination, 4.
    await page.keyboard.press('2');
    await page.keyboard.press('1');
    await page.keyboard.press('4');
    expect(await page.locator('.rubric-key[data-key="correct"] [aria-checked="true"]').textContent()).toContain('No');
    expect(await page.locator('.rubric-key[data-key="failure_mode"] [aria-checked="true"]').textContent()).toContain('Hallucination');
    expect(await page.locator('.rubric-key[data-key="quality"] [aria-checked="true"]').textContent()).toContain('4');

    // e edits the correction (prefilled with the agent's answer), c the comment; Esc leaves each.
    await page.keyboard.press('e');
    const correction = page.getByRole('textbox', { name: 'Correction' });
    await expect.poll(() => correction.evaluate((el) => el === document.activeElement)).toBe(true);
    await expect.poll(() => correction.inputValue()).toBe('It was cancelled.');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Order 42 shipped on Monday.');
    await page.keyboard.press('Escape');
    await page.keyboard.press('c');
    await page.keyboard.type('The tool said "shipped", the agent said cancelled.');
    await page.keyboard.press('Escape');
    await screenshot(page, 'review-filled');

    // Enter submits and the next item opens in place.
    await page.keyboard.press('Enter');
    await expect.poll(() => traceLink.textContent()).toBe('e2e-review-2');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    expect(await page.locator('.rubric [aria-checked="true"]').count()).toBe(0);
    await page.locator('.queue-progress').waitFor();
    await expect.poll(() => page.getByTestId('progress-text').textContent()).toContain('1/2 complete');
    await screenshot(page, 'review-next');

    // s skips the second one; nothing is left for this reviewer.
    await page.keyboard.press('s');
    await page.getByRole('heading', { name: 'Nothing left for you in this queue' }).waitFor();
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

    // The review is stored once, as feedback on the trace and in the export.
    const lines = ((await call(`/v1/review-queues/${queue.id}/export?format=jsonl`)) as string).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({
        trace_id: 'e2e-review-1',
        reviewer: loupe.email,
        values: { correct: false, failure_mode: 'hallucination', quality: 4 },
        correction: 'Order 42 shipped on Monday.',
        comment: 'The tool said "shipped", the agent said cancelled.',
      }),
    ]);
    let feedback: any[] = [];
    for (let i = 0; i < 50 && feedback.length < 4; i++) {
      feedback = (await call('/v1/traces/e2e-review-1')).feedback.filter((f: any) => f.queue_id === queue.id);
      if (feedback.length < 4) await new Promise((r) => setTimeout(r, 100));
    }
    expect(feedback.map((f) => f.key).sort()).toEqual(['correct', 'correction', 'failure_mode', 'quality']);
    expect(feedback.every((f) => f.source === 'human' && f.author === loupe.email)).toBe(true);
    const stats = await call(`/v1/review-queues/${queue.id}/stats`);
    expect(stats.progress).toMatchObject({ items: 2, complete: 1, pending: 1 });
    expect(stats.reviewers[0]).toMatchObject({ email: loupe.email, submitted: 1, skipped: 1 });

    // The queue list shows the progress.
    await page.goto(`${loupe.url}/queues`);
    await page.locator('.queue-card[data-queue="Order support"]').waitFor();
    expect(await page.locator('.queue-card[data-queue="Order support"] [data-testid="progress-text"]').textContent()).toContain('1/2 complete');
    await screenshot(page, 'queues');
    expect(page.errors).toEqual([]);
    await context.close();
  });

  it('creates a queue with a rubric and a routing rule in the UI, and adds traces from a trace and from a filter', async () => {
    await call('/v1/spans', { spans: [...conversation('e2e-queue-1', 'Q1', 'A1'), ...conversation('e2e-queue-2', 'Q2', 'A2')].map((sp) => ({ ...sp, tags: ['e2e-queue'] })) });
    for (let i = 0; i < 100; i++) {
      if ((await call(`/v1/traces?q=${encodeURIComponent('tag=e2e-queue')}`)).traces.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/queues`);
    await page.getByRole('link', { name: 'New queue' }).click();
    await page.getByLabel('Name').fill('Tone check');
    await page.getByLabel('Key 1').fill('tone');
    await page.getByLabel('Type 1').selectOption('categorical');
    await page.getByLabel('Options 1').fill('polite | Polite\nrude | Rude | insults the user');
    await page.getByRole('button', { name: 'Add a question' }).click();
    await page.getByLabel('Key 2').fill('severity');
    await page.getByLabel('Type 2').selectOption('number');
    await page.getByRole('button', { name: 'Create queue' }).click();
    await page.waitForURL(/\/queues\/rq_[^/]+\/settings/);
    await page.getByLabel('Rule filter').fill('feedback.tone_flag=1');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('[data-rule="feedback.tone_flag=1"]').waitFor();
    const queueId = /\/queues\/(rq_[^/]+)\/settings/.exec(page.url())![1];
    const created = await call(`/v1/review-queues/${queueId}`);
    expect(created.rubric).toEqual([
      expect.objectContaining({ key: 'tone', type: 'categorical', options: [{ value: 'polite', label: 'Polite' }, { value: 'rude', label: 'Rude', description: 'insults the user' }] }),
      expect.objectContaining({ key: 'severity', type: 'number', min: 1, max: 5, step: 1 }),
    ]);
    await screenshot(page, 'queue-settings');

    // From a trace page, then every match of a filter on the traces page.
    await page.goto(`${loupe.url}/traces/e2e-queue-1`);
    await page.getByLabel('Queue for this trace').selectOption({ label: 'Tone check' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Added to Tone check').waitFor();
    await page.goto(`${loupe.url}/traces?q=${encodeURIComponent('tag=e2e-queue')}`);
    await page.getByLabel('Queue for matching traces').selectOption({ label: 'Tone check' });
    await page.getByRole('button', { name: 'Add all matches' }).click();
    await page.getByText('Added 1 of 2 to Tone check (1 already there)').waitFor();

    // The queue page lists them.
    await page.goto(`${loupe.url}/queues/${queueId}`);
    await page.locator('.items-table tbody tr').nth(1).waitFor();
    expect(await page.locator('.items-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')))).toEqual(['e2e-queue-1', 'e2e-queue-2']);
    await screenshot(page, 'queue-page');
    expect(page.errors).toEqual([]);
    await context.close();
  });
});
