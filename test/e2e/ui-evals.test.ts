/**
 * The evaluation screens in real headless Chromium against the e2e Loupe (tau-bench demo
 * loaded): a provider whose key is never shown again (and a keyless hosted one refused); a
 * code check from the tool-trajectory template with a tau-bench task's expected calls,
 * tried on sample traces, attached to a rule, backfilled, its scores arriving in the run
 * log and on a trace; an LLM judge against a fake OpenAI-compatible server in this process
 * (what it was sent, a new version, its judge call, a malformed answer as a failed job); a
 * rule filter that does not parse; read-only roles; a phone in dark mode.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TauBenchItem } from '../../scripts/demo/taubench.ts';
import { startFakeProvider, type FakeProvider } from '../node/fake-provider.ts';
import { acceptInviteOverHttp, launchBrowser, loginInBrowser, loginOverHttp, newPage, screenshot } from './browser.ts';

const loupe = inject('loupe');
/** The tau-bench task whose conversations the checks score: "cancel reservation Z7GOZK". */
const TASK = 1;
const TAUBENCH = JSON.parse(readFileSync(new URL('../../demo/taubench-airline.json', import.meta.url), 'utf8')) as TauBenchItem[];
const TASK_ITEM = TAUBENCH.find((t) => t.task_id === TASK)!;
const EXPECTED = TASK_ITEM.info.task.actions.map((a) => ({ name: a.name, args: a.kwargs }));
const PROVIDER_KEY = 'sk-ui-e2e-secret-key-0123456789';
/** Names carry this run's id, so the test holds on an instance that has seen it before. */
const RUN = Date.now().toString(36);
const SCENARIO = `ui-judge-${RUN}`;
const PROVIDER = `Fake OpenAI ${RUN}`;
const CHECK = `Task ${TASK} calls ${RUN}`;
const JUDGE_RULE = `Relevance on task ${TASK} ${RUN}`;
// The task's whole-conversation traces: the demo's chat threads (airline-chat, a trace per turn) carry the same task_id.
const TASK_FILTER = `name=airline-agent metadata.task_id=${TASK}`;
const VIEWER = { email: `viewer-${RUN}@example.com`, password: 'viewer password 1234' };

async function call(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function scriptFake(then: unknown): Promise<void> {
  await fetch(`${fake.url}/__scenarios/${SCENARIO}`, { method: 'PUT', body: JSON.stringify({ steps: [], then, expect_key: PROVIDER_KEY }) });
}

let fake: FakeProvider;

describe('the review UI: evaluators and rules', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page & { errors: string[] };
  let taskTraces: string[];
  const state: { checkId?: string; ruleId?: string; runUrl?: string; judgeId?: string } = {};

  beforeAll(async () => {
    fake = await startFakeProvider();
    await scriptFake({ verdict: { reasoning: 'The agent cancelled reservation Z7GOZK as the user asked.', verdict: true } });
    taskTraces = (await call(`/v1/traces?limit=50&q=${encodeURIComponent(TASK_FILTER)}`)).traces.map((t: any) => t.id).sort();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1300, height: 950 } });
    page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });

  it('adds an LLM provider, whose key is never shown again, and refuses a hosted API without a key', async () => {
    await page.getByRole('link', { name: 'Providers' }).click();
    await page.getByRole('button', { name: 'Add provider' }).click();
    const form = page.getByRole('form', { name: 'Add provider' });
    await form.getByLabel('Provider name').fill('OpenAI');
    await form.getByLabel('Default model').fill('gpt-4o-mini');
    await form.getByRole('button', { name: 'Add provider' }).click();
    await expect.poll(() => form.locator('.field-error').first().textContent()).toMatch(/api\.openai\.com.*needs an API key/);
    await screenshot(page, 'evals-provider-without-key');

    await form.getByLabel('Provider name').fill(PROVIDER);
    await form.getByLabel('Base URL').fill(`${fake.url}/s/${SCENARIO}/v1`);
    await form.getByLabel('API key').fill(PROVIDER_KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();
    const row = page.locator(`tr[data-provider="${PROVIDER}"]`);
    await row.waitFor();
    expect(await row.locator('.key-set').textContent()).toBe('set');

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: `Edit provider ${PROVIDER}` });
    expect(await edit.getByLabel('API key').inputValue()).toBe('');
    await edit.getByLabel('Provider name').fill(`${PROVIDER} judge`);
    await edit.getByRole('button', { name: 'Save provider' }).click();
    await page.locator(`tr[data-provider="${PROVIDER} judge"]`).waitFor();
    await page.reload();
    await page.locator(`tr[data-provider="${PROVIDER} judge"]`).waitFor();
    expect(await page.content()).not.toContain(PROVIDER_KEY);

    const budget = page.getByRole('form', { name: 'Judge budget' });
    await budget.getByLabel('Daily spend cap (USD)').fill('5');
    await budget.getByRole('button', { name: 'Save budget' }).click();
    await expect.poll(() => budget.getByRole('status').textContent()).toBe('Saved');
    expect((await call('/v1/eval-settings')).daily_spend_cap_usd).toBe(5);
    await screenshot(page, 'evals-providers');
    expect(page.errors).toEqual([]);
  });

  it("creates a tool-trajectory check from its template with a tau-bench task's expected calls, and tries it on sample traces", async () => {
    await page.getByRole('link', { name: 'Evaluators', exact: true }).click();
    await page.getByRole('link', { name: 'New evaluator' }).click();
    const card = page.locator('[data-template="expected_tool_calls"]');
    expect(await card.textContent()).toContain("Needs the example's expected_trajectory (experiment runs) or trace.metadata.expected_actions");
    await card.getByRole('link', { name: /Use the/ }).click();
    const form = page.getByRole('form', { name: 'New evaluator' });
    expect(await form.getByLabel('Check').inputValue()).toBe('tool_sequence');
    expect(await form.getByLabel('Expected (read from the trace)').inputValue()).toBe('example.expected_trajectory|trace.metadata.expected_actions');
    expect(await form.getByLabel('Mode').inputValue()).toBe('superset');
    expect(await form.getByLabel('Argument matching').inputValue()).toBe('subset');

    // The demo traces carry their expected calls (metadata.expected_actions); this check gives the task's own literally instead, as the form allows.
    await form.getByLabel('Name').fill(CHECK);
    await form.getByLabel('Feedback key').fill(`task_calls_${RUN}`);
    await form.getByLabel('Expected (given here)').fill(JSON.stringify(EXPECTED, null, 2));
    await expect.poll(() => form.locator('.field-error').allTextContents()).toContain('give exactly one of expected or expected_from');
    await form.getByLabel('Expected (read from the trace)').fill('');
    await expect.poll(() => form.locator('.field-error').count()).toBe(0);

    const trial = page.getByRole('region', { name: 'Try it' });
    await trial.getByLabel('Trace filter').fill(TASK_FILTER);
    await trial.getByRole('button', { name: 'Find traces' }).click();
    await expect.poll(() => trial.locator('.try-traces li').count()).toBe(taskTraces.length);
    await trial.getByRole('button', { name: `Run on ${taskTraces.length} traces` }).click();
    await expect.poll(() => trial.locator('.try-result').count()).toBe(taskTraces.length);
    // The same draft through the API gives the same scores.
    const expected = await call('/v1/evaluators/try', {
      evaluator: { name: 'x', key: 'x', config: { type: 'code', check: 'tool_sequence', expected: EXPECTED, mode: 'superset', args_match: 'subset' } },
      trace_ids: taskTraces,
    });
    for (const r of expected.results) {
      const shown = trial.locator(`.try-result[data-trace-id="${r.trace_id}"]`);
      expect(await shown.locator('.fb-badge').textContent()).toBe(String(r.score));
      expect(await shown.locator('.result-comment').textContent()).toContain(r.comment.slice(0, 20));
    }
    expect(new Set(expected.results.map((r: any) => r.score)).size).toBe(2);
    await screenshot(page, 'evals-try-code-check');

    await form.getByRole('button', { name: 'Create evaluator' }).click();
    await page.waitForURL(/\/evaluators\/ev_/);
    state.checkId = new URL(page.url()).pathname.split('/').pop();
    expect(await page.locator('h1').textContent()).toBe(`${CHECK} v1`);
    const saved = await call(`/v1/evaluators/${state.checkId}`);
    expect(saved).toMatchObject({ version: 1, template: 'expected_tool_calls', config: { check: 'tool_sequence', expected: EXPECTED, mode: 'superset' } });
    expect(saved.config.expected_from).toBeUndefined();
    await screenshot(page, 'evals-evaluator-created');
  });

  it('attaches the check to a rule (a filter that does not parse shows where), backfills, and shows scores arriving in the run log and on the trace', async () => {
    await page.getByRole('link', { name: 'run it with a rule' }).click();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Rule name').fill(CHECK);
    expect(await form.getByLabel(`Run ${CHECK}`).isChecked()).toBe(true);
    const filter = form.getByLabel('Rule filter');
    await filter.fill(`${TASK_FILTER} and (env=production`);
    const error = form.locator('.filter-error');
    await error.waitFor();
    expect(await error.locator('mark').textContent()).toBe('(');
    expect(await error.locator('.filter-error-message').textContent()).toMatch(new RegExp(`never closed.*column ${TASK_FILTER.length + 6}\\b`));
    expect(await form.getByRole('button', { name: 'Create rule' }).isDisabled()).toBe(true);
    await filter.press('Escape');
    await screenshot(page, 'evals-rule-filter-error');
    await filter.fill(TASK_FILTER);
    await expect.poll(() => error.count()).toBe(0);
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\/rule_/);
    state.ruleId = new URL(page.url()).pathname.split('/').pop();

    const backfill = page.getByRole('form', { name: 'Backfill' });
    expect(await backfill.getByLabel('Backfill range').inputValue()).toBe('30d');
    await backfill.getByRole('button', { name: 'Start backfill' }).click();
    await page.waitForURL(/\/runs\/bf_/);
    state.runUrl = page.url();
    // No reload from here: the run view refreshes itself until every job is done.
    const scored = page.locator('[data-counter="scored"] dd');
    await expect.poll(() => scored.textContent(), { timeout: 45_000 }).toBe(String(taskTraces.length));
    await expect.poll(() => page.locator('.page-head .eval-status').textContent(), { timeout: 15_000 }).toBe('done');
    expect(await page.locator('[data-counter="matched"] dd').textContent()).toBe(String(taskTraces.length));
    await expect.poll(() => page.locator('.job[data-status="scored"]').count()).toBe(taskTraces.length);
    const log = await call(`/v1/rules/${state.ruleId}/runs/${state.runUrl.split('/').pop()}/results`);
    for (const r of log.results) expect(await page.locator(`.job[data-trace-id="${r.trace_id}"] .fb-badge`).textContent()).toBe(String(r.score));
    await screenshot(page, 'evals-run-log');

    // The score is on the trace, naming the evaluator and version that wrote it.
    const first = log.results.find((r: any) => r.score === 1) ?? log.results[0];
    await page.locator(`.job[data-trace-id="${first.trace_id}"] .job-trace`).click();
    await page.waitForURL(new RegExp(`/traces/${first.trace_id}`));
    const fb = page.locator(`.feedback-item[data-key="task_calls_${RUN}"]`);
    await fb.waitFor();
    expect(await fb.locator('.evaluator-name').textContent()).toBe(CHECK);
    expect(await fb.locator('.evaluator-version').textContent()).toBe(' v1');
    expect(await fb.locator('.judge-link').count()).toBe(0);
    await screenshot(page, 'evals-trace-score');
    await fb.locator('.evaluator-name').click();
    await page.waitForURL(/\/evaluators\/ev_/);
    await page.getByRole('button', { name: 'Scores' }).click();
    await expect.poll(() => page.locator('table.scores tbody tr').count()).toBe(taskTraces.length);
    expect(page.errors).toEqual([]);
  });

  it('tries an LLM judge showing what it was sent, saves it, edits it into version 2, and runs it by a rule with its judge calls one click away', async () => {
    await page.goto(`${loupe.url}/evaluators/new?template=relevance`);
    const form = page.getByRole('form', { name: 'New evaluator' });
    await form.getByLabel('Provider').selectOption({ label: `${PROVIDER} judge (openai, gpt-4o-mini)` });
    await expect.poll(() => form.locator('tr[data-variable="input"]').textContent()).toContain('input of the evaluated trace root');
    expect(await form.locator('.output-explained').textContent()).toContain('true or false, stored as score 1 or 0');

    const trial = page.getByRole('region', { name: 'Try it' });
    await trial.getByLabel('Trace filter').fill(`trace=${taskTraces[0]}`);
    await trial.getByRole('button', { name: 'Find traces' }).click();
    await trial.getByRole('button', { name: 'Run on 1 trace' }).click();
    const result = trial.locator('.try-result');
    await result.waitFor();
    expect(await result.locator('.fb-badge').textContent()).toBe('1');
    expect(await result.locator('.result-comment').textContent()).toContain('cancelled reservation Z7GOZK');
    await result.getByText('What the judge was sent and answered').click();
    const sent = result.getByRole('region', { name: 'Sent to the judge' });
    expect(await sent.locator('.message.role-system').count()).toBe(1);
    expect(await sent.locator('.message.role-user').textContent()).toContain('<user_request>');
    expect(await result.getByRole('region', { name: 'Judge answer' }).textContent()).toContain('reasoning');
    await screenshot(page, 'evals-try-judge');

    await form.getByRole('button', { name: 'Create evaluator' }).click();
    await page.waitForURL(/\/evaluators\/ev_/);
    state.judgeId = new URL(page.url()).pathname.split('/').pop();

    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit Relevance' });
    expect(await edit.locator('.version-note').textContent()).toBe('Editing version 1. No changes yet.');
    const prompt = edit.getByLabel('User prompt');
    await prompt.fill(`${await prompt.inputValue()}\nBe strict: an answer that only partly addresses the request is not relevant.`);
    await expect.poll(() => edit.locator('.version-note').textContent()).toMatch(/^Saving creates version 2 \(changes config\.prompt\.user\)/);
    await screenshot(page, 'evals-edit-new-version');
    await edit.getByRole('button', { name: 'Save as version 2' }).click();
    await expect.poll(() => page.locator('h1 .version-tag').textContent()).toBe('v2');
    await page.getByRole('button', { name: 'Versions' }).click();
    await expect.poll(() => page.locator('.version').count()).toBe(2);
    expect(await page.locator('.version[data-version="2"] .version-changes').textContent()).toBe('changed config.prompt.user');
    expect(await page.locator('.version[data-version="1"] .version-changes').textContent()).toBe('created');
    await screenshot(page, 'evals-versions');

    await page.getByRole('button', { name: 'Definition' }).click();
    await page.getByRole('link', { name: 'New rule with this evaluator' }).click();
    const rule = page.getByRole('form', { name: 'New rule' });
    await rule.getByLabel('Rule name').fill(JUDGE_RULE);
    await rule.getByLabel('Rule filter').fill(TASK_FILTER);
    await rule.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\/rule_/);
    await page.getByRole('form', { name: 'Backfill' }).getByRole('button', { name: 'Start backfill' }).click();
    await page.waitForURL(/\/runs\/bf_/);
    await expect.poll(() => page.locator('[data-counter="scored"] dd').textContent(), { timeout: 45_000 }).toBe(String(taskTraces.length));
    const job = page.locator(`.job[data-trace-id="${taskTraces[0]}"]`);
    await expect.poll(() => job.locator('.evaluator-link').textContent()).toBe('Relevance v2');
    await job.getByRole('button', { name: 'Show details' }).click();
    await job.getByRole('link', { name: 'What the judge saw and said' }).click();
    await page.waitForURL(/\/judge-traces\//);
    const judged = page.getByRole('region', { name: 'Sent to the judge' });
    await judged.waitFor();
    // The rendered prompt is long (the whole request): it folds, and "Show all" has the end of it.
    const userMessage = judged.locator('.message.role-user');
    expect(await userMessage.textContent()).toContain('<user_request>');
    await userMessage.getByRole('button', { name: /Show all/ }).click();
    expect(await userMessage.textContent()).toContain('Be strict: an answer that only partly addresses the request is not relevant.');
    expect(await page.getByRole('region', { name: 'Result' }).textContent()).toContain('cancelled reservation Z7GOZK');
    await screenshot(page, 'evals-judge-call');

    // On the trace, the judge's score names the evaluator and links to this judge call.
    await page.getByRole('link', { name: '← The scored trace' }).click();
    const fb = page.locator(`.feedback-item[data-key="relevance"]:has(a[href="/evaluators/${state.judgeId}"])`);
    await fb.waitFor();
    expect(await fb.locator('.evaluator-name').textContent()).toBe('Relevance');
    expect(await fb.locator('.evaluator-version').textContent()).toBe(' v2');
    await fb.locator('.judge-link').click();
    await page.waitForURL(/\/judge-traces\//);
    expect(page.errors).toEqual([]);
  });

  it('shows a malformed judge answer as a failed job, with its error, in the failed results', async () => {
    await scriptFake({ text: 'I would rather not say.' });
    await page.goto(`${loupe.url}/rules`);
    await page.locator(`tr[data-rule="${JUDGE_RULE}"] a.strong-link`).click();
    // These traces were scored by this judge version earlier: a re-score is asked for, else they are skipped.
    const backfill = page.getByRole('form', { name: 'Backfill' });
    await backfill.getByLabel('score already scored traces again').check();
    await backfill.getByRole('button', { name: 'Start backfill' }).click();
    await page.waitForURL(/\/runs\/bf/);
    await expect.poll(() => page.locator('[data-counter="failed"] dd').textContent(), { timeout: 45_000 }).toBe(String(taskTraces.length));
    await page.getByRole('button', { name: /^failed/ }).click();
    await page.waitForURL((u) => u.searchParams.get('status') === 'failed');
    const failed = page.locator('.job[data-status="failed"]');
    await expect.poll(() => failed.count()).toBe(taskTraces.length);
    // Failed jobs open on their error, with the way to the trace, the judge call and try-it.
    const first = failed.first();
    expect(await first.locator('.error-code').textContent()).toBe('malformed_answer');
    expect(await first.locator('.job-error').textContent()).toMatch(/^malformed_answer: /);
    expect(await first.getByRole('link', { name: 'What the judge saw and said' }).count()).toBe(1);
    await screenshot(page, 'evals-run-failed');
    // j/k move through the jobs as through spans on the trace page; Enter folds one.
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const focused = () => page.evaluate(() => document.activeElement?.closest('.job')?.getAttribute('data-trace-id'));
    expect(await focused()).toBe(await failed.nth(1).getAttribute('data-trace-id'));
    await page.keyboard.press('Enter');
    await expect.poll(() => failed.nth(1).locator('.job-error').count()).toBe(0);
    await page.keyboard.press('k');
    expect(await focused()).toBe(await first.getAttribute('data-trace-id'));
    await first.getByRole('link', { name: 'Try the evaluator on this trace' }).click();
    await page.waitForURL(/tab=try/);
    const trial = page.getByRole('region', { name: 'Try it' });
    await trial.getByRole('button', { name: 'Run on 1 trace' }).click();
    await expect.poll(() => trial.locator('.try-result .eval-status').textContent()).toBe('malformed_answer');
    await scriptFake({ verdict: 'auto' });
  });

  it('creates a webhook evaluator on each matching span, shows its signing secret once, and tries it', async () => {
    await fetch(`${fake.url}/__scenarios/${SCENARIO}-hook`, { method: 'PUT', body: JSON.stringify({ steps: [], then: { body: { score: 0.5, comment: 'half right, says the team' } } }) });
    await page.goto(`${loupe.url}/evaluators/new`);
    await page.getByRole('link', { name: 'Start a webhook' }).click();
    const form = page.getByRole('form', { name: 'New evaluator' });
    await form.getByLabel('Name').fill(`Team check ${RUN}`);
    await form.getByLabel('Feedback key').fill(`team_${RUN}`);
    await form.getByText('Each span matching a filter').click();
    await form.getByLabel('Span filter').fill('kind=tool name=cancel_reservation');
    await form.getByLabel('Webhook URL').fill('hooks.example.com/score');
    await form.getByRole('button', { name: 'Create evaluator' }).click();
    await expect.poll(() => form.locator('.field-error').allTextContents()).toContain('Invalid URL');
    // The API's own rule (https, or http to localhost) lands at the field too.
    await form.getByLabel('Webhook URL').fill('http://hooks.example.com/score');
    await form.getByRole('button', { name: 'Create evaluator' }).click();
    await expect.poll(() => form.locator('.field-error').allTextContents()).toContain('must use https (plain http is allowed only for localhost)');
    await form.getByLabel('Webhook URL').fill(`${fake.url}/s/${SCENARIO}-hook/hook`);

    // The task's conversation that cancelled the reservation: the span the webhook scores.
    const cancelled = (await call(`/v1/traces?limit=1&q=${encodeURIComponent(`${TASK_FILTER} has(kind=tool name=cancel_reservation)`)}`)).traces[0].id;
    const span = (await call(`/v1/traces/${cancelled}`)).spans.find((s: any) => s.name === 'cancel_reservation');
    const trial = page.getByRole('region', { name: 'Try it' });
    await trial.getByLabel('Trace filter').fill(`trace=${cancelled}`);
    await trial.getByRole('button', { name: 'Find traces' }).click();
    await trial.getByRole('button', { name: 'Run on 1 trace' }).click();
    const result = trial.locator('.try-result');
    await result.waitFor();
    expect(await result.locator('.result-line a').textContent()).toBe(`${cancelled} · ${span.id}`);
    expect(await result.locator('.fb-badge').textContent()).toBe('0.50');
    expect(await result.locator('.result-comment').textContent()).toBe('half right, says the team');
    const requests = async () => (await fetch(`${fake.url}/__scenarios/${SCENARIO}-hook/requests`).then((r) => r.json())).requests;
    expect((await requests()).map((r: any) => r.body.span_id)).toEqual([span.id]);

    await form.getByRole('button', { name: 'Create evaluator' }).click();
    await page.waitForURL(/\/evaluators\/ev_/);
    const secret = await page.locator('.secret-once').getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    // The saved webhook signs what it sends with that secret, as the docs tell receivers to check.
    await page.getByRole('button', { name: 'Try it' }).click();
    const saved = page.getByRole('region', { name: 'Try it' });
    await saved.getByLabel('Trace filter').fill(`trace=${cancelled}`);
    await saved.getByRole('button', { name: 'Find traces' }).click();
    await saved.getByRole('button', { name: 'Run on 1 trace' }).click();
    await saved.locator('.try-result').waitFor();
    const signed = (await requests()).at(-1);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signed.headers['x-loupe-signature'])!;
    expect(createHmac('sha256', secret).update(`${t}.${signed.raw}`).digest('hex')).toBe(v1);
    await page.reload();
    await page.getByRole('button', { name: 'Definition' }).click();
    await page.locator('.evaluator-view').waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator('.evaluator-view').textContent()).toContain('signing secret set (never shown)');
  });

  it('lets a viewer read evaluators, rules and run logs but not change them, and says 403 for providers', async () => {
    const admin = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const invite = await admin.call('/v1/invites', { body: { role: 'viewer' } });
    await acceptInviteOverHttp(loupe.url, invite.json.token, VIEWER.email, VIEWER.password);
    const viewer = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const p = await newPage(viewer);
    await loginInBrowser(p, loupe.url, VIEWER.email, VIEWER.password);
    await p.getByRole('link', { name: 'Evaluators', exact: true }).click();
    await p.locator(`tr[data-evaluator="${CHECK}"]`).waitFor();
    expect(await p.getByRole('link', { name: 'New evaluator' }).count()).toBe(0);
    expect(await p.getByRole('note').textContent()).toMatch(/Read only: your role \(Viewer\)/);

    await p.goto(`${loupe.url}/evaluators/${state.judgeId}?tab=try`);
    const trial = p.getByRole('region', { name: 'Try it' });
    await trial.locator('.try-traces li').first().waitFor();
    expect(await trial.getByRole('button', { name: /^Run on/ }).isDisabled()).toBe(true);
    expect(await p.getByRole('button', { name: 'Edit' }).count()).toBe(0);

    await p.goto(state.runUrl!);
    await p.locator('.job').first().waitFor();
    await p.goto(`${loupe.url}/rules/${state.ruleId}`);
    await p.locator('.run-item').first().waitFor();
    expect(await p.getByRole('form', { name: 'Backfill' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Edit' }).count()).toBe(0);

    await p.getByRole('link', { name: 'Providers' }).click();
    await expect.poll(() => p.locator('section[aria-labelledby="providers-h"] [role="alert"]').textContent()).toMatch(/Not allowed \(403\)/);
    expect(await p.getByRole('form', { name: 'Judge budget' }).count()).toBe(0);
    await expect.poll(() => p.getByRole('status', { name: "Today's judge usage" }).count()).toBe(1);
    const statuses = await p.evaluate(async (ruleId) => {
      const session = await (await fetch('/v1/auth/session')).json();
      const send = (path: string, method: string, body: unknown) =>
        fetch(path, { method, headers: { 'content-type': 'application/json', 'x-loupe-csrf': session.csrf_token }, body: JSON.stringify(body) }).then((r) => r.status);
      return {
        evaluator: await send('/v1/evaluators', 'POST', { template: 'error_free' }),
        rule: await send(`/v1/rules/${ruleId}`, 'PATCH', { active: false }),
        budget: await send('/v1/eval-settings', 'PUT', { daily_spend_cap_usd: 1000 }),
      };
    }, state.ruleId);
    expect(statuses).toEqual({ evaluator: 403, rule: 403, budget: 403 });
    await screenshot(p, 'evals-viewer-providers');
    expect(p.errors).toEqual([]);
    await viewer.close();
  });

  it('fits a phone and works in dark mode', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true, storageState: await context.storageState() });
    const p = await newPage(phone);
    for (const [path, ready, name] of [
      ['/evaluators', 'table.evaluators', 'evals-phone-evaluators'],
      [`/evaluators/${state.judgeId}`, '.evaluator-view', 'evals-phone-evaluator'],
      ['/evaluators/new?template=expected_tool_calls', 'form', 'evals-phone-new-check'],
      [`/rules/${state.ruleId}`, '.run-item', 'evals-phone-rule'],
      [new URL(state.runUrl!).pathname, '.job', 'evals-phone-run'],
      ['/providers', 'table', 'evals-phone-providers'],
    ] as const) {
      await p.goto(`${loupe.url}${path}`);
      await p.locator(ready).first().waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
      await screenshot(p, name);
    }
    expect(await p.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 22, 26)');
    expect(p.errors).toEqual([]);
    await phone.close();
  });
});
