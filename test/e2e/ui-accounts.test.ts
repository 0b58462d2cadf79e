import { readFileSync } from 'node:fs';
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { acceptInviteOverHttp, d1Execute, launchBrowser, loginInBrowser, loginOverHttp, newPage, screenshot } from './browser.ts';

const loupe = inject('loupe');
const REVIEWER = { email: 'reviewer@example.com', password: 'reviewer password 123' };

describe('the review UI: accounts and access', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('refuses a wrong password and sets no session', async () => {
    const context = await browser.newContext();
    const page = await newPage(context);
    await page.goto(`${loupe.url}/login`);
    await page.getByLabel('Email').fill(loupe.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong email or password.');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect((await context.cookies()).filter((c) => c.name.includes('loupe_session'))).toEqual([]);
    await screenshot(page, 'login-wrong-password');
    await context.close();
  });

  it('sets the session cookie HttpOnly, Secure and SameSite=Lax', async () => {
    const context = await browser.newContext();
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    const cookie = (await context.cookies()).find((c) => c.name === '__Host-loupe_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${loupe.url}/settings`);
    await page.waitForURL(/\/login\?next=%2Fsettings/);
    await context.close();
  });

  it('keeps a user logged in when the first session check answers only after their login (slow network)', async () => {
    const context = await browser.newContext();
    const page = await newPage(context);
    // Answer the page's opening session check (made logged out: 401) only once the login has been answered.
    let loggedIn!: () => void;
    const loginAnswered = new Promise<void>((resolve) => (loggedIn = resolve));
    let held = 0;
    await page.route('**/v1/auth/session', async (route) => {
      if (held++ > 0) return route.continue();
      const answer = await route.fetch();
      await loginAnswered;
      await route.fulfill({ response: answer });
    });
    page.on('response', (res) => {
      if (res.url().endsWith('/v1/auth/login') && res.status() === 200) loggedIn();
    });
    const staleAnswer = page.waitForResponse((res) => res.url().endsWith('/v1/auth/session') && res.status() === 401);
    await page.goto(`${loupe.url}/login`);
    await page.getByLabel('Email').fill(loupe.email);
    await page.getByLabel('Password').fill(loupe.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/traces/);
    await staleAnswer;
    // The stale 401 has landed; the user is still in, with the navigation shown.
    await page.getByRole('link', { name: 'Evaluators', exact: true }).click();
    await page.locator('tr[data-evaluator], .empty').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/evaluators');
    await context.close();
  });

  it('lets an admin invite a reviewer, who joins from the link and reads traces but gets 403 on admin actions', async () => {
    const admin = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const adminPage = await newPage(admin);
    await loginInBrowser(adminPage, loupe.url, loupe.email, loupe.password);
    await adminPage.getByRole('link', { name: 'Settings' }).click();
    const invites = adminPage.getByRole('form', { name: 'Create invite' });
    await invites.getByLabel('Invite role').selectOption('reviewer');
    await invites.getByRole('button', { name: 'Create invite link' }).click();
    const link = adminPage.getByLabel('Invite link');
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(new RegExp(`^${loupe.url}/invite/[A-Za-z0-9_-]{43}$`));
    await screenshot(adminPage, 'settings-admin');

    const visitor = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await newPage(visitor);
    await page.goto(url);
    await page.getByRole('form', { name: 'Accept invite' }).waitFor();
    expect(await page.locator('.role-name').textContent()).toBe('Reviewer');
    await page.getByLabel('Email').fill(REVIEWER.email);
    await page.getByLabel(/^Password/).fill(REVIEWER.password);
    await screenshot(page, 'invite');
    await page.getByRole('button', { name: /^Join/ }).click();
    await page.waitForURL(/\/traces$/);
    await page.locator('table.traces tbody tr').first().waitFor();
    expect(await page.locator('table.traces tbody tr').count()).toBe(50);

    // The same link does not work twice.
    const again = await newPage(visitor);
    await again.goto(url);
    await expect.poll(() => again.getByRole('alert').textContent()).toMatch(/already been used/);
    await again.close();

    // The admin sees the new member with their role.
    await adminPage.reload();
    await adminPage.locator(`tr[data-email="${REVIEWER.email}"]`).waitFor();
    expect(await adminPage.getByLabel(`Role of ${REVIEWER.email}`).inputValue()).toBe('reviewer');

    // Settings show a reviewer what they may not do, and the API refuses admin actions with 403.
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby="keys-h"] [role="alert"]').textContent()).toMatch(/Not allowed \(403\)/);
    expect(await page.getByLabel(`Role of ${REVIEWER.email}`).count()).toBe(0);
    await page.getByRole('form', { name: 'Create API key' }).getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby="keys-h"] [role="alert"]').textContent()).toMatch(/403/);
    const statuses = await page.evaluate(async () => {
      const session = await (await fetch('/v1/auth/session')).json();
      const post = (path: string, body: unknown) =>
        fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-loupe-csrf': session.csrf_token }, body: JSON.stringify(body) }).then((r) => r.status);
      return {
        apiKey: await post('/v1/api-keys', { name: 'sneaky', scopes: ['admin'] }),
        invite: await post('/v1/invites', { role: 'admin' }),
        feedback: await post('/v1/feedback', { trace_id: 'taubench-airline-1-0', key: 'thumbs', score: 1, source: 'human' }),
      };
    });
    expect(statuses).toEqual({ apiKey: 403, invite: 403, feedback: 200 });
    await screenshot(page, 'settings-reviewer');
    await admin.close();
    await visitor.close();
  });

  it('an admin issues a password reset link from Settings; the member sets a new password with it, old sessions end, and the audit log shows both', async () => {
    const member = { email: 'reset-me@example.com', password: 'the old password 123', next: 'the new password 456' };
    const adminHttp = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const invite = await adminHttp.call('/v1/invites', { body: { role: 'engineer' } });
    await acceptInviteOverHttp(loupe.url, invite.json.token, member.email, member.password);
    const oldSession = await loginOverHttp(loupe.url, member.email, member.password);

    const admin = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const adminPage = await newPage(admin);
    await loginInBrowser(adminPage, loupe.url, loupe.email, loupe.password);
    await adminPage.goto(`${loupe.url}/settings`);
    adminPage.once('dialog', (d) => void d.accept());
    await adminPage.getByRole('button', { name: `Reset password of ${member.email}` }).click();
    const link = adminPage.getByLabel('Password reset link');
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(new RegExp(`^${loupe.url}/reset/[A-Za-z0-9_-]{43}$`));

    const visitor = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await newPage(visitor);
    await page.goto(url);
    const form = page.getByRole('form', { name: 'Reset password' });
    await form.waitFor();
    expect(await form.textContent()).toContain(member.email);
    await form.getByLabel(/^New password/).fill(member.next);
    await form.getByLabel('Repeat it').fill(member.next);
    await screenshot(page, 'reset-password');
    await form.getByRole('button', { name: 'Set password and log in' }).click();
    await page.waitForURL(/\/traces$/);
    // The session from before the reset is over; the link does not work twice.
    expect((await oldSession.call('/v1/auth/session')).status).toBe(401);
    const again = await newPage(visitor);
    await again.goto(url);
    await expect.poll(() => again.getByRole('alert').textContent()).toMatch(/already been used/);

    // The audit log in Settings lists the reset issued by the admin and used by the member.
    await adminPage.reload();
    const audit = adminPage.getByRole('table', { name: 'Audit log' });
    await audit.locator('tr[data-action="password_reset.used"]').waitFor();
    expect(await audit.locator('tr[data-action="password_reset.issued"]').first().textContent()).toContain(loupe.email);
    expect(await audit.locator('tr[data-action="password_reset.used"]').first().textContent()).toContain(member.email);
    await screenshot(adminPage, 'settings-audit');
    await admin.close();
    await visitor.close();
  });

  it('creates an API key shown once, which works until it is revoked', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/settings`);
    const form = page.getByRole('form', { name: 'Create API key' });
    await form.getByLabel('Key name').fill('ci-pipeline');
    await form.getByRole('button', { name: 'Create key' }).click();
    const field = page.getByLabel('API key', { exact: true });
    await field.waitFor();
    const key = await field.inputValue();
    expect(key).toMatch(/^lp_/);
    const use = () => fetch(`${loupe.url}/v1/project`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await use()).toBe(200);
    await page.reload();
    const row = page.locator('tr[data-key-name="ci-pipeline"]');
    await row.waitFor();
    expect(await page.content()).not.toContain(key);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    expect(await use()).toBe(401);
    await context.close();
  });

  it('an admin switches on redaction with a custom pattern from Settings; a pattern that can backtrack is refused with its reason, and new spans arrive masked', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/settings`);
    const form = page.getByRole('form', { name: 'PII redaction' });
    await form.getByLabel('Redact personal data at ingest').check();
    // Only a custom pattern, so the browser tests running beside this one (same project) see no other masking.
    for (const box of await form.locator('.detector-list input[type=checkbox]').all()) await box.uncheck();
    await form.getByRole('button', { name: 'Add a pattern' }).click();
    await form.getByLabel('Name').fill('ticket');
    await form.getByLabel('Regex').fill('(ZQ+)+X');
    await form.getByRole('button', { name: 'Save redaction' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/custom\[0\]\.pattern \(ticket\): nested quantifiers/);
    await form.getByLabel('Regex').fill('ZQX-\\d{6}');
    await form.getByRole('button', { name: 'Save redaction' }).click();
    await page.getByText('Saved. New spans are redacted').waitFor();
    try {
      const trace = `redact-ui-${Date.now()}`;
      const posted = await fetch(`${loupe.url}/v1/spans`, {
        method: 'POST',
        headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ spans: [{ id: 'root', trace_id: trace, name: 'support', kind: 'chain', start_time: new Date().toISOString(), input: 'ticket ZQX-123456 please' }] }),
      });
      expect(posted.status).toBe(202);
      // Indexing is write-behind: reopen the trace until it is there.
      await expect
        .poll(
          async () => {
            await page.goto(`${loupe.url}/traces/${trace}`);
            await page.getByText('ticket', { exact: false }).first().waitFor({ timeout: 3_000 }).catch(() => undefined);
            return (await page.locator('main').textContent()) ?? '';
          },
          { timeout: 20_000 },
        )
        .toContain('[CUSTOM:TICKET]');
      expect(await page.locator('main').textContent()).not.toContain('ZQX-123456');
    } finally {
      await fetch(`${loupe.url}/v1/redaction`, { method: 'PUT', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) });
      await context.close();
    }
  });

  it('shows the stored size and saves a retention period from Settings', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    await page.goto(`${loupe.url}/settings`);
    await expect.poll(async () => (await page.getByTestId('stored-size').textContent()) ?? '').toMatch(/Stored: [\d,]+ traces, [\d,]+ spans, [\d.]+ [KMG]?B of payloads in R2/);
    expect(await page.getByTestId('shard').textContent()).toMatch(/Index on D1 shard DB(_SHARD_\d+)?, [\d.]+ [KMG]?B of [\d.]+ [KMG]?B used by all its projects/);
    const form = page.getByRole('form', { name: 'Retention' });
    try {
      // Longer than any demo trace's age, so nothing the other browser tests read is due.
      await form.getByLabel('Keep traces').selectOption('400');
      await form.getByLabel('Reviewed traces').selectOption('forever');
      await form.getByRole('button', { name: 'Save retention' }).click();
      await page.getByText('Saved. Older traces are deleted').waitFor();
      await page.reload();
      await expect.poll(() => form.getByLabel('Keep traces').inputValue()).toBe('400');
      expect(await form.getByLabel('Reviewed traces').inputValue()).toBe('forever');
    } finally {
      await fetch(`${loupe.url}/v1/retention`, { method: 'PUT', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ days: 'forever' }) });
      await context.close();
    }
  });

  it('exports the project from Settings: the job is followed to done and its file downloads', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    const page = await newPage(context);
    try {
      await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
      await page.goto(`${loupe.url}/settings`);
      await page.getByRole('button', { name: 'Export the project' }).click();
      const table = page.getByRole('table', { name: 'Exports' });
      await table.getByRole('row').nth(1).waitFor();
      // The cron writes the file; locally it fires every minute, so the test fires it itself.
      await expect
        .poll(
          async () => {
            await fetch(`${loupe.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);
            await page.getByRole('button', { name: 'Refresh' }).click();
            return (await table.getByRole('row').nth(1).textContent()) ?? '';
          },
          { timeout: 60_000, interval: 1000 },
        )
        .toContain('done');
      const [download] = await Promise.all([page.waitForEvent('download'), table.getByRole('link', { name: 'Download' }).first().click()]);
      const text = readFileSync((await download.path())!, 'utf8');
      const lines = text.trimEnd().split('\n');
      expect(JSON.parse(lines[0])).toMatchObject({ type: 'loupe_export', project: { id: loupe.projectId } });
      expect(JSON.parse(lines.at(-1)!)).toEqual({ type: 'end', records: lines.length - 1 });
    } finally {
      await context.close();
    }
  });

  it('sends someone whose session expired back to log in, then to where they were', async () => {
    const context = await browser.newContext();
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, REVIEWER.email, REVIEWER.password);
    await page.locator('table.traces tbody tr').first().waitFor();
    d1Execute(loupe.persistTo, `UPDATE sessions SET expires_at = 0 WHERE user_id = (SELECT id FROM users WHERE email = '${REVIEWER.email}')`);
    await page.locator('.trace-link').first().click();
    await page.waitForURL(/\/login/);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your session has expired. Log in again.');
    await screenshot(page, 'login-session-expired');
    await page.goto(`${loupe.url}/traces/taubench-airline-1-0`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Email').fill(REVIEWER.email);
    await page.getByLabel('Password').fill(REVIEWER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/traces\/taubench-airline-1-0$/);
    await page.locator('.span-row').first().waitFor();
    await context.close();
  });

  it("shows 'not found' to a user of another organisation who opens a trace URL", async () => {
    const admin = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const org = await admin.call('/v1/orgs', { body: { name: 'Another company', project_name: 'their-agent' } });
    expect(org.status).toBe(201);
    const invite = await admin.call('/v1/invites', { body: { role: 'owner' }, project: org.json.project.id });
    expect(invite.status).toBe(201);
    await acceptInviteOverHttp(loupe.url, invite.json.token, 'outsider@example.com', 'outsider password 1');

    const context = await browser.newContext();
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, 'outsider@example.com', 'outsider password 1');
    await expect.poll(() => page.locator('.empty').textContent()).toMatch(/No traces/);
    await page.goto(`${loupe.url}/traces/taubench-airline-1-0`);
    await expect.poll(() => page.getByRole('alert').locator('h1').textContent()).toBe('Trace not found');
    const status = await page.evaluate(() => fetch('/v1/traces/taubench-airline-1-0').then((r) => r.status));
    expect(status).toBe(404);
    const asProject = await page.evaluate((projectId) => fetch('/v1/traces/taubench-airline-1-0', { headers: { 'x-loupe-project': projectId } }).then((r) => r.status), loupe.projectId);
    expect(asProject).toBe(404);
    await screenshot(page, 'trace-other-org-404');
    await context.close();
  });
});
