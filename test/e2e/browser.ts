/**
 * Real headless Chromium (Debian's, driven by playwright-core) for the review UI tests,
 * plus the API-side helpers they need: logging in over HTTP, accounts in other
 * organisations, and screenshots saved to test-artifacts/ (git-ignored).
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../../scripts/local.ts';

/** Flags for a sandboxed, offline Chromium (this machine has no outside network). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Where screenshots go. */
export const ARTIFACTS = join(repoRoot, 'test-artifacts', 'ui');

/** Saves a screenshot of the page as test-artifacts/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** A new page that records script errors (a test can assert there were none). */
export async function newPage(context: BrowserContext): Promise<Page & { errors: string[] }> {
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  return page;
}

/** Logs in through the login form and waits for the traces list. */
export async function loginInBrowser(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/traces/);
}

/** A cookie-holding API client, as a browser would be after logging in. */
export interface HttpSession {
  cookie: string;
  csrf: string;
  session: { user: { id: string; email: string }; orgs: { id: string; name: string; role: string; projects: { id: string; name: string }[] }[] };
  call(path: string, opts?: { method?: string; body?: unknown; project?: string }): Promise<{ status: number; json: any }>;
}

/** Logs in over HTTP. */
export async function loginOverHttp(url: string, email: string, password: string): Promise<HttpSession> {
  const res = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  const session = (await res.json()) as HttpSession['session'] & { csrf_token: string };
  const call: HttpSession['call'] = async (path, opts = {}) => {
    const headers: Record<string, string> = { cookie, 'x-loupe-csrf': session.csrf_token };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.project) headers['x-loupe-project'] = opts.project;
    const r = await fetch(`${url}${path}`, { method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'), headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  };
  return { cookie, csrf: session.csrf_token, session, call };
}

/** Accepts an invite over HTTP, creating the account. */
export async function acceptInviteOverHttp(url: string, token: string, email: string, password: string): Promise<void> {
  const res = await fetch(`${url}/v1/auth/invites/${token}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 201) throw new Error(`accepting the invite failed: ${res.status} ${await res.text()}`);
}

/** Runs SQL against the instance's local D1 (to age a session the way time would). */
export function d1Execute(persistTo: string, sql: string): void {
  const res = spawnSync(join(repoRoot, 'node_modules/.bin/wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--command', sql], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (res.status !== 0) throw new Error(`wrangler d1 execute failed:\n${res.stdout}${res.stderr}`);
}
