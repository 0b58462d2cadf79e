import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { freePort, repoRoot } from '../../scripts/local.ts';
import { launchBrowser, loginInBrowser, newPage, screenshot } from './browser.ts';

const loupe = inject('loupe');

/**
 * The deployed shape, run locally: web/ as a Cloudflare Pages project (`wrangler pages dev`,
 * web/wrangler.toml) whose Function forwards API paths to the Loupe Worker through the
 * `API` service binding. The browser only ever talks to the Pages origin.
 */
describe('the review UI as a Pages site', () => {
  let pages: ChildProcess;
  let url: string;
  let output = '';
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    pages = spawn(`${repoRoot}node_modules/.bin/wrangler`, ['pages', 'dev', '--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(await freePort()), '--show-interactive-dev-session=false'], {
      cwd: `${repoRoot}web`,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_REGISTRY_PATH: loupe.registryPath },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    pages.stdout!.on('data', (d) => (output = (output + d).slice(-5000)));
    pages.stderr!.on('data', (d) => (output = (output + d).slice(-5000)));
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (pages.exitCode !== null) throw new Error(`wrangler pages dev exited:\n${output}`);
      const ok = await fetch(`${url}/v1/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the Pages site never reached the Worker:\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (pages?.pid && pages.exitCode === null) {
      const exited = new Promise((r) => pages.once('exit', r));
      process.kill(-pages.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (pages.exitCode === null) process.kill(-pages.pid, 'SIGKILL');
    }
  });

  it('serves the site and forwards API calls to the Worker, so login and traces work on one origin', async () => {
    const html = await fetch(`${url}/traces/taubench-airline-1-0`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<div id="root">');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");

    const context = await browser.newContext();
    const page = await newPage(context);
    await loginInBrowser(page, url, loupe.email, loupe.password);
    await page.locator('table.traces tbody tr').first().waitFor();
    expect(await page.locator('table.traces tbody tr').count()).toBe(50);
    const cookies = await context.cookies(url);
    expect(cookies.find((c) => c.name === '__Host-loupe_session')).toMatchObject({ httpOnly: true, secure: true, domain: '127.0.0.1' });
    await page.locator('.trace-link').first().click();
    await page.locator('.span-detail').waitFor();
    await screenshot(page, 'pages-site-trace');
    expect(page.errors).toEqual([]);
    await context.close();
  });
});
