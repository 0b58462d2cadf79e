/**
 * The Threads screens in a real browser against the shared local Loupe: a three-turn
 * conversation posted over the API shows as one thread, its turns in order, each opening
 * its trace, and the trace links back to its thread. Also at phone width.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, loginInBrowser, loginOverHttp, newPage, screenshot } from './browser.ts';

const loupe = inject('loupe');
const thread = `ui-thread-${Date.now()}`;
const turns = [
  { id: `${thread}-1`, input: 'I want to change my flight to Paris', output: 'Sure: which date would you like?' },
  { id: `${thread}-2`, input: 'Next Friday, please', output: 'Which flight number is it?' },
  { id: `${thread}-3`, input: 'AF123', output: 'Done: you fly on Friday.' },
];

async function waitForThread(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${loupe.url}/v1/threads/${encodeURIComponent(thread)}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
    if (res.ok && ((await res.json()) as any).trace_count === 3) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`thread ${thread} never indexed`);
}

describe('the review UI: threads', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page & { errors: string[] };

  beforeAll(async () => {
    const now = Date.now();
    // Posted newest first: the page must order turns by time, not by arrival.
    const spans = turns
      .map((t, i) => ({ id: `${t.id}-root`, trace_id: t.id, name: 'support-agent', kind: 'agent', session_id: thread, user_id: 'u-ui', start_time: now - (3 - i) * 60_000, end_time: now - (3 - i) * 60_000 + 1500, input: t.input, output: t.output }))
      .reverse();
    const res = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
    expect(res.status).toBe(202);
    await waitForThread();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await newPage(context);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists the conversation, shows its three turns in order, and opens a turn as its trace', async () => {
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.getByRole('link', { name: 'Threads', exact: true }).click();
    const row = page.locator(`table.threads tbody tr[data-thread-id="${thread}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('3');
    await screenshot(page, 'threads');

    await row.locator('.thread-link').click();
    await page.waitForURL(new RegExp(`/threads/${thread}$`));
    const items = page.locator('ol.thread-turns > li');
    await expect.poll(() => items.count()).toBe(3);
    expect(await items.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-trace-id')))).toEqual(turns.map((t) => t.id));
    for (let i = 0; i < 3; i++) {
      expect(await items.nth(i).locator('.turn-user .turn-text').textContent()).toBe(turns[i].input);
      expect(await items.nth(i).locator('.turn-assistant .turn-text').textContent()).toBe(turns[i].output);
    }
    expect(await page.locator('.thread-stats').textContent()).toContain('Turns');
    await screenshot(page, 'thread');

    await items.nth(1).locator('.turn-link').click();
    await page.waitForURL(new RegExp(`/traces/${turns[1].id}$`));
    await page.locator('.trace-title').waitFor();
    expect(await page.locator('.trace-facts .mono').first().textContent()).toBe(turns[1].id);

    // The trace links back to its thread.
    await page.locator('.thread-link-row').click();
    await page.waitForURL(new RegExp(`/threads/${thread}$`));
    await expect.poll(() => items.count()).toBe(3);
    expect(page.errors).toEqual([]);
  });

  it('reads at phone width without sideways scrolling, even with a long project name in the picker', async () => {
    // The shared account may hold many projects by now; a <select> is as wide as its longest
    // option, so one long name is what once pushed this page 9 px past a phone's width.
    const admin = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const long = await admin.call('/v1/projects', { body: { name: `a project with a very long name for the phone check ${Date.now()}` } });
    expect(long.status, JSON.stringify(long.json)).toBe(201);
    const phone = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const p = await newPage(phone);
    await loginInBrowser(p, loupe.url, loupe.email, loupe.password);
    await p.goto(`${loupe.url}/threads/${thread}`);
    await p.locator('ol.thread-turns > li').first().waitFor();
    await p.getByRole('combobox', { name: 'Project' }).waitFor();
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(p, 'thread-phone');
    expect(p.errors).toEqual([]);
    await phone.close();
  });

  it('says so for an unknown thread', async () => {
    await page.goto(`${loupe.url}/threads/no-such-thread-anywhere`);
    await page.getByRole('heading', { name: 'Thread not found' }).waitFor();
  });
});
