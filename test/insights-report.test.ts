/**
 * The Insights report job end to end in workerd: tau-bench conversations ingested through
 * the API, a report run as a Workflow (several chunks: INSIGHTS_CHUNK is 60 in tests),
 * read back over REST; a step failure survived; membership filters returning exactly a
 * cluster's traces; bad input; another project's report (404).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { env, introspectWorkflow } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { api, eventually, makeProject } from './helpers.ts';
import { TAU, postSpans } from './evals-helpers.ts';
import { taubenchToTrace } from '../scripts/demo/taubench.ts';
import { makeQueue } from './review-helpers.ts';
import { runDueSchedules } from '../workers/insights/schedule.ts';
import { runLifecycle } from '../workers/lifecycle/cron.ts';
import worker from '../workers/index.ts';

const N = 100;
let key: string;
let expectedFailures = 0;
const ids: string[] = [];

async function waitDone(reportId: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const res = await api(`/v1/insights/reports/${reportId}`, { key });
    if (res.json?.status === 'failed') throw Object.assign(new Error(`report failed: ${res.json.error}`), { fatal: true });
    if (res.status !== 200 || res.json.status !== 'done') throw new Error(`report not done: ${res.status} ${res.text.slice(0, 200)}`);
    return res.json;
  }, timeoutMs);
}

async function tracesOf(q: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await api(`/v1/traces?limit=500&q=${encodeURIComponent(q)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
    expect(res.status, res.text).toBe(200);
    out.push(...res.json.traces.map((t: { id: string }) => t.id));
    cursor = res.json.next_cursor;
  } while (cursor);
  return out.sort();
}

beforeAll(async () => {
  ({ key } = await makeProject('insights'));
  const now = Date.now();
  const feedback = [];
  for (let i = 0; i < N; i++) {
    const { spans, feedback: fb } = taubenchToTrace(TAU[i], i, TAU.length, now);
    await postSpans(key, spans);
    feedback.push(...fb);
    ids.push(fb[0].trace_id);
    if (TAU[i].reward < 1) expectedFailures++;
  }
  await eventually(async () => {
    const res = await api('/v1/traces?limit=500&q=since:3650d', { key });
    if (res.json?.traces?.length !== N) throw new Error(`${res.json?.traces?.length} traces indexed`);
  }, 60_000);
  for (const f of feedback) {
    const res = await api('/v1/feedback', { key, body: f });
    expect(res.status, res.text).toBeLessThan(300);
  }
}, 120_000);

describe('insights reports', () => {
  let reportId: string;
  let report: any;

  it('runs a report over tau-bench traces: intents, failure clusters, ranked patterns, which method ran', async () => {
    const start = await api('/v1/insights/reports', { key, body: { since: '3650d' } });
    expect(start.status, start.text).toBe(202);
    expect(start.json.status).toBe('queued');
    reportId = start.json.id;
    const done = await waitDone(reportId);
    report = done.report;
    expect(done.traces).toBe(N);
    // The default failure definition: a score below 0.5 (outcome=0 here) or an error status.
    expect(done.failures).toBe((await tracesOf('feedback.outcome=0 or status=error')).length);
    expect(done.failures).toBeGreaterThan(expectedFailures);
    expect(done.method).toBe('offline');
    expect(done.progress.step).toBe('done');
    expect(report.traces).toBe(N);
    expect(report.method.path).toBe('offline');
    const sizes = report.intents.reduce((n: number, c: any) => n + c.size, 0);
    expect(sizes).toBe(N);
    expect(report.intents[0].membership_filter).toBe(`insight.${reportId}=${report.intents[0].id}`);
    expect(report.patterns.length).toBeGreaterThan(0);
    expect(report.patterns[0].id).toBe('p1');
    expect(report.failureClusters.byTrajectory.length).toBeGreaterThan(0);
    const list = await api('/v1/insights/reports', { key });
    expect(list.json.reports.map((r: any) => r.id)).toContain(reportId);
    const patterns = await api(`/v1/insights/reports/${reportId}/patterns`, { key });
    expect(patterns.json.patterns.length).toBe(report.patterns.length);
    // The job's intermediate state is gone; the report stays.
    const left = await env.BLOBS.list({ prefix: `insights/` });
    expect(left.objects.filter((o) => o.key.includes(reportId)).map((o) => o.key.split('/').pop())).toEqual(['report.json']);
  });

  it('membership filters return exactly each cluster and pattern', async () => {
    for (const c of report.intents) {
      const traces = await tracesOf(`insight.${reportId}=${c.id}`);
      expect(traces.length).toBe(c.size);
    }
    const inAll = (await Promise.all(report.intents.map((c: any) => tracesOf(`insight.${reportId}=${c.id}`)))).flat().sort();
    expect(inAll).toEqual([...ids].sort());
    for (const p of report.patterns.slice(0, 5)) {
      const traces = await tracesOf(p.membership_filter);
      expect(traces.length).toBe(p.support);
      const failing = await tracesOf(`${p.membership_filter} and (feedback.outcome=0 or status=error)`);
      expect(failing.length).toBe(p.failures);
      // Patterns with an equivalent filter reach the same traces both ways.
      if (p.filter) expect(await tracesOf(`${p.filter} since:3650d`)).toEqual(traces);
    }
    const top = report.intents[0];
    const outside = await tracesOf(`not insight.${reportId}=${top.id}`);
    expect(outside.length).toBe(N - top.size);
  });

  it('survives a failing step (retried) and two reports at once', async () => {
    await using introspector = await introspectWorkflow(env.INSIGHTS_WORKFLOW);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: 'summarise 0' }, new Error('D1 was briefly unavailable'), 1);
      await m.mockStepError({ name: 'assign 1' }, new Error('R2 read timed out'), 2);
    });
    const a = await api('/v1/insights/reports', { key, body: { since: '3650d' } });
    const b = await api('/v1/insights/reports', { key, body: { since: '3650d', failure_filter: 'feedback.outcome=0' } });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    const instances = await introspector.get();
    for (const i of instances) await i.waitForStatus('complete');
    const [ra, rb] = await Promise.all([waitDone(a.json.id), waitDone(b.json.id)]);
    expect(ra.traces).toBe(N);
    expect(rb.failures).toBe(expectedFailures);
    // The same traces give the same clusters and patterns (deterministic), the retried steps never double-counted.
    expect(ra.report.intents.map((c: any) => [c.id, c.size])).toEqual(report.intents.map((c: any) => [c.id, c.size]));
    expect(ra.report.patterns.map((p: any) => [p.key, p.support])).toEqual(report.patterns.map((p: any) => [p.key, p.support]));
    const members = await env.DB.prepare('SELECT count(*) AS n FROM insight_members WHERE report_id = ?').bind(ra.id).first<{ n: number }>();
    const first = await env.DB.prepare('SELECT count(*) AS n FROM insight_members WHERE report_id = ?').bind(reportId).first<{ n: number }>();
    expect(members!.n).toBe(first!.n);
  });

  it('an empty report says so; a filter that does not parse is a 400 naming the place', async () => {
    const empty = await api('/v1/insights/reports', { key, body: { filter: 'env=nowhere', since: '30d' } });
    expect(empty.status).toBe(202);
    const done = await waitDone(empty.json.id);
    expect(done.traces).toBe(0);
    expect(done.report.notes.join(' ')).toMatch(/no traces matched/);
    const bad = await api('/v1/insights/reports', { key, body: { filter: 'env=production and (' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('filter');
    expect(bad.json.error.position).toBeTypeOf('number');
    const badFailure = await api('/v1/insights/reports', { key, body: { failure_filter: 'feedbak.outcome=0' } });
    expect(badFailure.status).toBe(400);
    expect(badFailure.json.error.path).toBe('failure_filter');
    const badSince = await api('/v1/insights/reports', { key, body: { since: 'last tuesday' } });
    expect(badSince.status).toBe(400);
    expect(badSince.json.error.path).toBe('since');
  });

  it("another project's report is 404, and its membership filter finds none of them", async () => {
    const other = await makeProject('other');
    expect((await api(`/v1/insights/reports/${reportId}`, { key: other.key })).status).toBe(404);
    expect((await api(`/v1/insights/reports/${reportId}/patterns`, { key: other.key })).status).toBe(404);
    const list = await api('/v1/insights/reports', { key: other.key });
    expect(list.json.reports).toEqual([]);
    const res = await api(`/v1/traces?q=${encodeURIComponent(`insight.${reportId}=p1`)}`, { key: other.key });
    expect(res.json.traces).toEqual([]);
  });

  it('runs and reads reports over MCP, as an agent would', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('http://loupe.test/mcp'), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    });
    const client = new Client({ name: 'insights-test', version: '1.0.0' });
    await client.connect(transport);
    const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;
    const started = textOf(await client.callTool({ name: 'run_insights_report', arguments: { since: '3650d', failure_filter: 'feedback.outcome=0' } }));
    const id = /`(ir_[0-9a-f]+)`/.exec(started)![1];
    await waitDone(id);
    const md = textOf(await client.callTool({ name: 'get_insights_report', arguments: { report_id: id } }));
    expect(md).toContain(`# Insights report \`${id}\`: done`);
    expect(md).toContain(`Traces: ${N} (failing ${expectedFailures}`);
    const patterns = textOf(await client.callTool({ name: 'get_insights_patterns', arguments: { report_id: id } }));
    expect(patterns).toMatch(/^\| p1 \| /m);
    expect(textOf(await client.callTool({ name: 'list_insights_reports', arguments: {} }))).toContain(id);
    const bad = (await client.callTool({ name: 'run_insights_report', arguments: { filter: 'colour=red' } })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/unknown field 'colour'.*\(filter\)/);
    await client.close();
  });

  it("sends a pattern's traces to an annotation queue, exactly its traces, with a note naming it", async () => {
    const top = report.patterns[0];
    const queue = await makeQueue(key);
    const res = await api(`/v1/insights/reports/${reportId}/clusters/p1/queue`, { key, body: { queue_id: queue.id } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ matched: top.support, added: top.support, already_queued: 0 });
    const again = await api(`/v1/insights/reports/${reportId}/clusters/p1/queue`, { key, body: { queue_id: queue.id } });
    expect(again.json).toEqual({ matched: top.support, added: 0, already_queued: top.support });
    const items = await api(`/v1/review-queues/${queue.id}/items?limit=500`, { key });
    expect(items.json.items.map((i: any) => i.trace_id).sort()).toEqual(await tracesOf(`insight.${reportId}=p1`));
    expect(items.json.items[0].note).toContain(top.label);
    expect((await api(`/v1/insights/reports/${reportId}/clusters/p999/queue`, { key, body: { queue_id: queue.id } })).status).toBe(404);
    const other = await makeProject('other-queue');
    expect((await api(`/v1/insights/reports/${reportId}/clusters/p1/queue`, { key: other.key, body: { queue_id: queue.id } })).status).toBe(404);
  });

  it('runs scheduled reports from the cron once per period', async () => {
    expect(typeof worker.scheduled).toBe('function');
    const bad = await api('/v1/insights/schedule', { key, method: 'PUT', body: { every: 'daily', filter: 'colour=red' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('filter');
    const put = await api('/v1/insights/schedule', { key, method: 'PUT', body: { every: 'daily', window_days: 30, failure_filter: 'feedback.outcome=0' } });
    expect(put.status, put.text).toBe(200);
    const now = Date.now();
    const started = await runDueSchedules(env, now);
    expect(started).toHaveLength(1);
    expect(await runDueSchedules(env, now + 3_600_000)).toEqual([]);
    const done = await waitDone(started[0]);
    expect(done.source).toBe('schedule');
    expect(done.failures).toBe(expectedFailures);
    expect((await runDueSchedules(env, now + 86_400_000)).length).toBe(1);
    await api('/v1/insights/schedule', { key, method: 'PUT', body: { every: 'off' } });
    expect(await runDueSchedules(env, now + 10 * 86_400_000)).toEqual([]);
  });

  it('drafts evaluators from patterns (tool_sequence for a sequence) and intents (judge criteria), and creates one', async () => {
    const seq = report.patterns.find((p: any) => p.kind === 'seq');
    expect(seq, 'a tool-sequence pattern in the tau-bench report').toBeTruthy();
    const res = await api(`/v1/insights/reports/${reportId}/clusters/${seq.id}/evaluator`, { key, body: { create: true } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.draft.config).toMatchObject({ type: 'code', check: 'tool_sequence', mode: 'superset', expected: seq.key ? JSON.parse(seq.key).slice(1).map((name: string) => ({ name })) : [] });
    expect(res.json.evaluator.id).toBeTruthy();
    expect((await api(`/v1/evaluators/${res.json.evaluator.id}`, { key })).status).toBe(200);
    const intent = report.intents[0];
    const draft = await api(`/v1/insights/reports/${reportId}/clusters/${intent.id}/evaluator`, { key, body: {} });
    expect(draft.json.draft.config.type).toBe('judge');
    expect(draft.json.draft.config.prompt.user).toContain(intent.name);
    expect(draft.json.evaluator).toBeNull();
    expect((await api(`/v1/insights/reports/${reportId}/clusters/nope/evaluator`, { key, body: {} })).status).toBe(404);
  });

  it('tracks a pattern across later reports and per release, open until its rate stays below the threshold', async () => {
    const idx = report.patterns.findIndex((p: any) => p.filter && p.rate < 1);
    const p = report.patterns[idx];
    const open = await api('/v1/insights/tracked', { key, body: { report_id: reportId, pattern: p.id, threshold: 0 } });
    expect(open.status, open.text).toBe(201);
    expect(open.json.status).toBe('open');
    // This report and the later ones over the same traces rank it with the same counts.
    expect(open.json.reports.length).toBeGreaterThanOrEqual(2);
    expect(open.json.reports[0]).toMatchObject({ report_id: reportId, support: p.support, rate: p.rate });
    // Per release, from the traces themselves with the equivalent filter (default failure definition, as the report).
    expect(open.json.releases.reduce((n: number, r: any) => n + r.traces, 0)).toBe(p.support);
    expect(open.json.releases.reduce((n: number, r: any) => n + r.failures, 0)).toBe(p.failures);
    // Tracking it again (a double click, a retry) keeps one entry; the new threshold replaces the old.
    const fixed = await api('/v1/insights/tracked', { key, body: { report_id: reportId, pattern: p.id, threshold: 1 } });
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({ id: open.json.id, status: 'fixed', threshold: 1 });
    const list = await api('/v1/insights/tracked', { key });
    expect(list.json.tracked.filter((t: any) => t.pattern_key === p.key).map((t: any) => t.id)).toEqual([open.json.id]);
    const other = await makeProject('other-track');
    expect((await api(`/v1/insights/tracked/${open.json.id}`, { key: other.key })).status).toBe(404);
    expect((await api(`/v1/insights/tracked/${open.json.id}`, { key: other.key, method: 'DELETE' })).status).toBe(404);
    expect((await api(`/v1/insights/tracked/${open.json.id}`, { key, method: 'DELETE' })).status).toBe(204);
    expect((await api(`/v1/insights/tracked/${open.json.id}`, { key })).status).toBe(404);
    expect((await api(`/v1/insights/tracked/${open.json.id}`, { key, method: 'DELETE' })).status).toBe(404);
    expect((await api('/v1/insights/tracked', { key, body: { report_id: reportId, pattern: 'p999' } })).json.error.path).toBe('pattern');
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    for (const path of ['/v1/insights/reports', '/v1/insights/reports/{id}', '/v1/insights/reports/{id}/patterns', '/v1/insights/reports/{id}/clusters/{cluster}/queue', '/v1/insights/reports/{id}/clusters/{cluster}/evaluator', '/v1/insights/schedule', '/v1/insights/tracked']) {
      expect(doc.paths[path], path).toBeTruthy();
    }
  });

  // Last: it deletes one of the shared traces.
  it('a deleted trace leaves the report: no cluster names it as an example any more, and its membership goes', async () => {
    const examples = (r: any): string[] => [...r.intents, ...r.failureClusters.byTrajectory, ...r.failureClusters.byReview].flatMap((c: any) => [...c.examples, ...c.failingExamples, ...(c.children ?? []).flatMap((k: any) => [...k.examples, ...k.failingExamples])]);
    const victim = examples(report)[0];
    expect(victim).toBeTruthy();
    const job = await api('/v1/deletions', { key, body: { trace_id: victim } });
    expect(job.status, job.text).toBe(202);
    await eventually(async () => {
      await runLifecycle(env);
      expect((await api(`/v1/deletions/${job.json.id}`, { key })).json.status).toBe('done');
    });
    const after = (await api(`/v1/insights/reports/${reportId}`, { key })).json.report;
    expect(examples(after)).not.toContain(victim);
    expect(examples(after).length).toBe(examples(report).filter((id) => id !== victim).length);
    expect(await tracesOf(`insight.${reportId}=${report.intents[0].id}`)).not.toContain(victim);
  });
});
