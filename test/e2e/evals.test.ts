/**
 * Online evaluation against a real `wrangler dev` (as `npm start` runs it, demo loaded):
 * a judge provider pointed at a fake OpenAI server in this process, a rule that scores a
 * newly posted trace once it is complete, and a backfill of a code check over the demo.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../node/fake-provider.ts';

const loupe = inject('loupe');
let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake?.close();
});

async function call(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('online evaluation in a local Loupe', () => {
  it('a rule scores a new trace with an LLM judge once the trace is complete', async () => {
    await fetch(`${fake.url}/__scenarios/e2e`, { method: 'PUT', body: JSON.stringify({ steps: [], then: { verdict: { reasoning: 'It answers the question.', verdict: true } } }) });
    const provider = await call('/v1/providers', { name: 'fake openai', type: 'openai', base_url: `${fake.url}/s/e2e/v1`, default_model: 'gpt-4o-mini', api_key: 'sk-e2e' });
    const judge = await call('/v1/evaluators', { template: 'relevance', config: { provider_id: provider.id } });
    const rule = await call('/v1/rules', { name: 'relevance on e2e traces', filter: 'tag=e2e-evals', evaluator_ids: [judge.id] });
    // Dated before the demo, so it does not become the newest trace other e2e files look at
    // (the rule matches traces as they complete, whatever their start time).
    const then = Date.now() - 40 * 86_400_000;
    await call('/v1/spans', {
      spans: [{ id: 'root', trace_id: 'e2e-eval-1', kind: 'agent', name: 'support', start_time: then - 2000, end_time: then, input: 'Where is my bag?', output: 'It arrives in Denver tonight.', tags: ['e2e-evals'] }],
    });
    // The quiet period (TRACE_QUIET_SECONDS, 10 s) passes before the trace is matched.
    const score = await until(async () => {
      const tree = await call('/v1/traces/e2e-eval-1').catch(() => null);
      return tree?.feedback.find((f: any) => f.key === 'relevance');
    }, 45_000);
    expect(score).toMatchObject({ score: 1, source: 'evaluator', evaluator_id: judge.id, evaluator_version: 1, comment: 'It answers the question.' });
    const judgeTrace = await until(() => call(`/v1/judge-traces/${score.metadata.judge_trace_id}`).catch(() => undefined), 20_000);
    expect(judgeTrace.spans.find((s: any) => s.kind === 'llm').input.messages[1].content).toContain('Where is my bag?');
    const runs = await call(`/v1/rules/${rule.id}/runs`);
    expect(runs.runs[0].counts).toMatchObject({ matched: 1, sampled: 1, scored: 1, failed: 0 });
  });

  it('a backfill scores the demo conversations with a code check', async () => {
    const noLoops = await call('/v1/evaluators', { template: 'no_loops' });
    const rule = await call('/v1/rules', { name: 'loops on the demo', filter: 'tag=tau-bench', evaluator_ids: [noLoops.id], active: false });
    const run = await call(`/v1/rules/${rule.id}/backfill`, { from: new Date(Date.now() - 30 * 86_400_000).toISOString() });
    const done = await until(async () => {
      const r = await call(`/v1/rules/${rule.id}/runs/${run.id}`);
      return r.status === 'done' ? r : undefined;
    }, 60_000);
    expect(done.counts).toMatchObject({ matched: 200, sampled: 200, scored: 200, failed: 0 });
    // Four demo conversations repeat one tool call three or more times.
    const flagged = await call(`/v1/traces?limit=500&q=${encodeURIComponent('score.no_loops=0')}`);
    expect(flagged.traces).toHaveLength(4);
  });

  it('a backfill of "Expected tool calls" scores the failed demo conversations from the expected calls they carry', async () => {
    const expected = await call('/v1/evaluators', { template: 'expected_tool_calls' });
    const rule = await call('/v1/rules', { name: 'expected calls on the failures', filter: 'tag=tau-bench feedback.outcome=0', evaluator_ids: [expected.id], active: false });
    const run = await call(`/v1/rules/${rule.id}/backfill`, { from: new Date(Date.now() - 30 * 86_400_000).toISOString() });
    const done = await until(async () => {
      const r = await call(`/v1/rules/${rule.id}/runs/${run.id}`);
      return r.status === 'done' ? r : undefined;
    }, 60_000);
    // Every failed conversation is scored (none `missing_reference`): the demo keeps tau-bench's info.task.actions.
    expect(done.counts).toMatchObject({ matched: 116, sampled: 116, scored: 116, failed: 0 });
    const missed = await call(`/v1/traces?limit=500&q=${encodeURIComponent('tag=tau-bench score.expected_tool_calls=0')}`);
    const hit = await call(`/v1/traces?limit=500&q=${encodeURIComponent('tag=tau-bench score.expected_tool_calls=1')}`);
    expect(missed.traces.length + hit.traces.length).toBe(116);
    // Failed conversations that skipped an expected call are the check's point.
    expect(missed.traces.length).toBeGreaterThan(0);
  });
});
