/**
 * Online rules end to end inside the Workers runtime: traces posted through the API are
 * indexed, signalled complete after the quiet period, matched, sampled, fanned out on the
 * evals queue and scored as feedback; backfills; run logs; redelivery; spend cap.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject, span, waitForTrace } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, postSpans, received, scenarioId, script, tauSpans, TAU, waitForRun } from './evals-helpers.ts';
import { isSampled, sampleFraction } from '../workers/store/matching.ts';
import { matchCompletedTraces } from '../workers/evals/matching.ts';

async function feedbackOf(key: string, traceId: string) {
  return (await api(`/v1/traces/${encodeURIComponent(traceId)}`, { key })).json.feedback as any[];
}

async function rule(key: string, body: Record<string, unknown>) {
  const res = await api('/v1/rules', { key, body });
  if (res.status !== 201) throw new Error(`rule: ${res.status} ${res.text}`);
  return res.json;
}

describe('rules', () => {
  it('reject a filter that does not parse, pointing at the position', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const res = await api('/v1/rules', { key, body: { name: 'bad', filter: 'env=production and (latency>', evaluator_ids: [ev.id] } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_filter', path: 'filter' });
    expect(typeof res.json.error.position).toBe('number');
    const unknown = await api('/v1/rules', { key, body: { name: 'bad', filter: 'colour=red', evaluator_ids: [ev.id] } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe('invalid_filter');
    const noEvaluator = await api('/v1/rules', { key, body: { name: 'bad', evaluator_ids: ['ev_missing'] } });
    expect(noEvaluator.json.error.path).toBe('evaluator_ids[0]');
  });

  it('score completed tau-bench traces with a code check, once per trace, as evaluator feedback', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { template: 'expected_tool_calls' });
    const r = await rule(key, { name: 'tau', filter: 'tag=tau-bench', evaluator_ids: [ev.id] });
    const picks = [6, 2, 20, 0];
    for (const i of picks) await postSpans(key, tauSpans(i));
    await postSpans(key, [span('other-root', 'not-tau', { kind: 'agent', end_time: '2026-01-01T00:00:01Z' })]);
    const run = await waitForRun(key, r.id, 'online', (c) => c.scored === 4);
    expect(run.counts).toMatchObject({ matched: 4, sampled: 4, queued: 0, scored: 4, failed: 0 });
    const expected: Record<number, number> = { 6: 1, 2: 0, 20: 1, 0: 0 };
    for (const i of picks) {
      const traceId = `taubench-airline-${TAU[i].task_id}-${TAU[i].trial}`;
      const fb = (await feedbackOf(key, traceId)).filter((f) => f.key === 'expected_tool_calls');
      expect(fb).toHaveLength(1);
      expect(fb[0]).toMatchObject({ score: expected[i], source: 'evaluator', evaluator_id: ev.id, evaluator_version: 1, author: ev.id });
      expect(fb[0].metadata).toMatchObject({ rule_id: r.id, run_id: 'online' });
    }
    expect(await feedbackOf(key, 'not-tau')).toEqual([]);
    // Scores filter like any feedback.
    const low = await api(`/v1/traces?q=${encodeURIComponent('score.expected_tool_calls=0')}`, { key });
    expect(low.json.traces.map((t: any) => t.id).sort()).toEqual(['taubench-airline-0-0', 'taubench-airline-2-0']);
    const scores = await api(`/v1/evaluators/${ev.id}/scores`, { key });
    expect(scores.json.scores).toHaveLength(4);
  });

  it('wait for late children: a span arriving in the quiet period is part of what is evaluated', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { name: 'one tool', key: 'one_tool', config: { type: 'code', check: 'step_limit', max_tool_calls: 1 } });
    const r = await rule(key, { name: 'all', evaluator_ids: [ev.id] });
    await postSpans(key, [
      span('root', 'late', { kind: 'agent', end_time: '2026-01-01T00:00:05Z' }),
      span('tool-1', 'late', { parent_id: 'root', kind: 'tool', name: 'search', start_time: '2026-01-01T00:00:01Z' }),
    ]);
    await postSpans(key, [span('tool-2', 'late', { parent_id: 'root', kind: 'tool', name: 'search', start_time: '2026-01-01T00:00:02Z' })]);
    await waitForRun(key, r.id, 'online', (c) => c.scored === 1);
    const [fb] = await feedbackOf(key, 'late');
    expect(fb).toMatchObject({ key: 'one_tool', score: 0 });
    expect(fb.comment).toContain('2 tool calls > 1');
  });

  it('do not run while inactive, and do not match traces whose root has not ended', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const paused = await rule(key, { name: 'paused', evaluator_ids: [ev.id], active: false });
    const live = await rule(key, { name: 'live', evaluator_ids: [ev.id] });
    await postSpans(key, [span('root', 'open-trace', { kind: 'agent' })]);
    await postSpans(key, [span('root', 'done-trace', { kind: 'agent', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForRun(key, live.id, 'online', (c) => c.scored === 1);
    expect((await api(`/v1/rules/${paused.id}/runs/online`, { key })).json).toMatchObject({ status: 'paused', counts: { matched: 0 } });
    expect(await feedbackOf(key, 'open-trace')).toEqual([]);
  });

  it('evaluate each matching span when the evaluator targets spans', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { name: 'tool ok', key: 'tool_ok', target: { type: 'span', filter: 'kind=tool' }, config: { type: 'code', check: 'error_free' } });
    const r = await rule(key, { name: 'spans', evaluator_ids: [ev.id] });
    await postSpans(key, tauSpans(11));
    const traceId = `taubench-airline-${TAU[11].task_id}-${TAU[11].trial}`;
    const tree = await waitForTrace(key, traceId, 2);
    const tools = tree.spans.filter((s: any) => s.kind === 'tool');
    await waitForRun(key, r.id, 'online', (c) => c.scored === tools.length);
    const fb = (await feedbackOf(key, traceId)).filter((f) => f.key === 'tool_ok');
    expect(fb.map((f) => f.span_id).sort()).toEqual(tools.map((s: any) => s.id).sort());
    for (const f of fb) expect(f.score).toBe(tools.find((s: any) => s.id === f.span_id).status === 'error' ? 0 : 1);
    expect(fb.some((f) => f.score === 0)).toBe(true);
  });
});

describe('sampling', () => {
  it('is decided per trace: the same rule and trace always agree, and the rate holds', async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `trace-${i}`);
    const first = await Promise.all(ids.map((t) => isSampled('rule_a', t, 0.3)));
    const again = await Promise.all(ids.map((t) => isSampled('rule_a', t, 0.3)));
    expect(again).toEqual(first);
    const share = first.filter(Boolean).length / ids.length;
    expect(share).toBeGreaterThan(0.26);
    expect(share).toBeLessThan(0.34);
    // Another rule samples independently.
    const other = await Promise.all(ids.map((t) => isSampled('rule_b', t, 0.3)));
    expect(other).not.toEqual(first);
    expect(await sampleFraction('rule_a', 'trace-1')).toBe(await sampleFraction('rule_a', 'trace-1'));
  });

  it('a backfill samples the same traces the online run did', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const r = await rule(key, { name: 'half', sampling_rate: 0.5, evaluator_ids: [ev.id] });
    const traces = Array.from({ length: 30 }, (_, i) => `s-${i}`);
    await postSpans(key, traces.map((t) => span(`${t}-root`, t, { kind: 'agent', start_time: '2026-01-02T00:00:00Z', end_time: '2026-01-02T00:00:01Z' })));
    const online = await waitForRun(key, r.id, 'online', (c) => c.matched === 30 && c.queued === 0);
    const bf = await api(`/v1/rules/${r.id}/backfill`, { key, body: { from: '2026-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z' } });
    expect(bf.status).toBe(202);
    const backfill = await waitForRun(key, r.id, bf.json.id, (c, run) => run.status === 'done' && c.matched === 30);
    expect(backfill.counts.sampled).toBe(online.counts.sampled);
    const sampledIn = async (runId: string) =>
      (await env.DB.prepare('SELECT trace_id FROM eval_matches WHERE rule_id = ? AND run_id = ? AND sampled = 1 ORDER BY trace_id').bind(r.id, runId).all<{ trace_id: string }>()).results.map((x) => x.trace_id);
    const expected = (await Promise.all(traces.map(async (t) => ((await isSampled(r.id, t, 0.5)) ? t : null)))).filter(Boolean).sort();
    expect(await sampledIn('online')).toEqual(expected);
    expect(await sampledIn(bf.json.id)).toEqual(expected);
  });
});

describe('backfill', () => {
  it('evaluates the traces of a time range only, and reports the run', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { template: 'no_loops' });
    const r = await rule(key, { name: 'bf', evaluator_ids: [ev.id], active: false });
    const inRange = Array.from({ length: 12 }, (_, i) => span(`r${i}`, `in-${i}`, { kind: 'agent', start_time: Date.UTC(2026, 0, 5, 0, i), end_time: Date.UTC(2026, 0, 5, 0, i, 30) }));
    const outOfRange = [span('o1', 'out-1', { kind: 'agent', start_time: Date.UTC(2026, 0, 9), end_time: Date.UTC(2026, 0, 9, 0, 1) })];
    await postSpans(key, [...inRange, ...outOfRange]);
    await waitForTrace(key, 'out-1');
    await waitForTrace(key, 'in-11');
    const bf = await api(`/v1/rules/${r.id}/backfill`, { key, body: { from: '2026-01-05T00:00:00Z', to: '2026-01-06T00:00:00Z', max_traces: 10 } });
    expect(bf.json).toMatchObject({ kind: 'backfill', status: 'scanning', rule_id: r.id });
    const run = await waitForRun(key, r.id, bf.json.id, (c, run) => run.status === 'done');
    expect(run).toMatchObject({ scanned: 10, counts: { matched: 10, sampled: 10, scored: 10, failed: 0, queued: 0 } });
    expect(await feedbackOf(key, 'out-1')).toEqual([]);
    expect(await feedbackOf(key, 'in-11')).toEqual([]);
    const log = await api(`/v1/rules/${r.id}/runs/${bf.json.id}/results?status=scored&limit=4`, { key });
    expect(log.json.results).toHaveLength(4);
    expect(log.json.results[0]).toMatchObject({ status: 'scored', score: 1, evaluator_id: ev.id, evaluator_version: 1, attempts: 1 });
    const next = await api(`/v1/rules/${r.id}/runs/${bf.json.id}/results?status=scored&limit=4&cursor=${log.json.next_cursor}`, { key });
    expect(next.json.results[0].trace_id).not.toBe(log.json.results[0].trace_id);
    const runs = await api(`/v1/rules/${r.id}/runs`, { key });
    expect(runs.json.runs.map((x: any) => x.id)).toEqual(['online', bf.json.id]);
  });
});

describe('queue redelivery', () => {
  it('never doubles a score: the same job delivered twice writes one feedback row', async () => {
    const { key, projectId } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const r = await rule(key, { name: 'r', evaluator_ids: [ev.id], active: false });
    await postSpans(key, [span('root', 'dup', { kind: 'agent', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForTrace(key, 'dup');
    const job = { v: 1, type: 'evaluate', project_id: projectId, rule_id: r.id, run_id: 'online', trace_id: 'dup', evaluator_id: ev.id } as const;
    await env.EVAL_QUEUE.sendBatch([{ body: job }, { body: job }]);
    await eventually(async () => expect((await feedbackOf(key, 'dup')).length).toBe(1));
    await env.EVAL_QUEUE.send(job);
    await new Promise((r) => setTimeout(r, 500));
    expect(await feedbackOf(key, 'dup')).toHaveLength(1);
  });

  it('matching the same completed traces twice queues their jobs once', async () => {
    const { key, projectId } = await makeProject();
    const sc = scenarioId('once');
    await script(sc, { steps: [], then: { verdict: 'auto' } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    const r = await rule(key, { name: 'r', evaluator_ids: [ev.id] });
    await postSpans(key, [span('root', 'twice', { kind: 'agent', input: 'hi', output: 'hello', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForRun(key, r.id, 'online', (c) => c.scored === 1);
    const row = await env.DB.prepare('SELECT updated_at FROM traces WHERE project_id = ? AND trace_id = ?').bind(projectId, 'twice').first<{ updated_at: number }>();
    await matchCompletedTraces(env, { v: 1, type: 'traces_completed', project_id: projectId, traces: [['twice', row!.updated_at]] });
    await new Promise((r) => setTimeout(r, 500));
    expect(await received(sc)).toHaveLength(1);
    expect((await api(`/v1/rules/${r.id}/runs/online`, { key })).json.counts).toMatchObject({ matched: 1, scored: 1 });
  });

  it('a job retried after a 429 scores once, after the provider asked to wait', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('queue-429');
    // Retry-After 3 s is longer than a queue job waits inline (2 s), so the queue redelivers it.
    await script(sc, { steps: [{ status: 429, headers: { 'retry-after': '3' } }], then: { verdict: { reasoning: 'relevant', verdict: true } } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    const r = await rule(key, { name: 'r', evaluator_ids: [ev.id] });
    await postSpans(key, [span('root', 'rl', { kind: 'agent', input: 'hi', output: 'hello', end_time: '2026-01-01T00:00:01Z' })]);
    const run = await waitForRun(key, r.id, 'online', (c) => c.scored === 1, 30_000);
    expect(run.counts.failed).toBe(0);
    const reqs = await received(sc);
    expect(reqs).toHaveLength(2);
    expect(reqs[1].at - reqs[0].at).toBeGreaterThanOrEqual(2900);
    const fb = await feedbackOf(key, 'rl');
    expect(fb).toHaveLength(1);
    const [entry] = (await api(`/v1/rules/${r.id}/runs/online/results`, { key })).json.results;
    expect(entry).toMatchObject({ status: 'scored', attempts: 2 });
  }, 30_000);
});

describe('judges through rules', () => {
  it("a score's link to its judge call answers 200 the moment the score is readable", async () => {
    const { key } = await makeProject();
    const sc = scenarioId('link');
    await script(sc, { steps: [], then: { verdict: { reasoning: 'Fine.', verdict: true } } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    await rule(key, { name: 'link', evaluator_ids: [ev.id] });
    await postSpans(key, [span('root', 'lk', { kind: 'agent', input: 'Where is my bag?', output: 'In Denver.', end_time: '2026-01-01T00:00:01Z' })]);
    // Poll the score as a client would; the first time it is there, its link must resolve.
    const fb = await eventually(async () => {
      const [f] = await feedbackOf(key, 'lk');
      if (!f) throw new Error('no score yet');
      return f;
    }, 20_000);
    const res = await api(`/v1/judge-traces/${fb.metadata.judge_trace_id}`, { key });
    expect(res.status).toBe(200);
    expect(res.json.trace.metadata).toMatchObject({ source_trace_id: 'lk', feedback_id: fb.id });
  });

  it('record each judge call as a trace in the system project, readable only by the scored project', async () => {
    const { key } = await makeProject();
    const other = await makeProject('other');
    const sc = scenarioId('judged');
    await script(sc, { steps: [], then: { verdict: { reasoning: 'On topic.', verdict: true } } });
    const providerId = await fakeOpenAiProvider(key, sc, { options: { prices: { 'gpt-4o-mini': { input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6 } } } });
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    const r = await rule(key, { name: 'judge', evaluator_ids: [ev.id] });
    await postSpans(key, [span('root', 'jt', { kind: 'agent', input: 'Where is my bag?', output: 'It is in Denver.', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForRun(key, r.id, 'online', (c) => c.scored === 1);
    const [fb] = await feedbackOf(key, 'jt');
    expect(fb).toMatchObject({ key: 'relevance', score: 1, value: true, comment: 'On topic.', source: 'evaluator', evaluator_id: ev.id, evaluator_version: 1 });
    const judgeTraceId = fb.metadata.judge_trace_id;
    expect(judgeTraceId).toMatch(/^judge-/);
    // Indexed before the score was written: readable at once, no wait.
    const judgeRes = await api(`/v1/judge-traces/${judgeTraceId}`, { key });
    expect(judgeRes.status).toBe(200);
    const judge = judgeRes.json;
    const llm = judge.spans.find((s: any) => s.kind === 'llm');
    expect(llm.input.messages[1].content).toContain('Where is my bag?');
    expect(JSON.parse(llm.output.content)).toEqual({ reasoning: 'On topic.', verdict: true });
    expect(llm.usage).toMatchObject({ input_tokens: 100, output_tokens: 20 });
    expect(llm.usage.cost_usd).toBeCloseTo((100 * 0.15 + 20 * 0.6) / 1e6, 12);
    expect(judge.trace.metadata).toMatchObject({ evaluator_id: ev.id, source_trace_id: 'jt' });
    expect((await api(`/v1/judge-traces/${judgeTraceId}`, { key: other.key })).status).toBe(404);
    // Judge traces stay out of the team's own project.
    expect((await api('/v1/traces', { key })).json.traces.map((t: any) => t.id)).toEqual(['jt']);
    const settings = await api('/v1/eval-settings', { key });
    expect(settings.json.today.calls).toBe(1);
    expect(settings.json.today.cost_usd).toBeCloseTo((100 * 0.15 + 20 * 0.6) / 1e6, 12);
  });

  it('stop calling the judge at the daily cap and log the skipped jobs', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('capped');
    await script(sc, { steps: [], then: { verdict: 'auto' } });
    const providerId = await fakeOpenAiProvider(key, sc);
    expect((await api('/v1/eval-settings', { key, method: 'PUT', body: { daily_judge_call_cap: 2 } })).json.daily_judge_call_cap).toBe(2);
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    const r = await rule(key, { name: 'capped', evaluator_ids: [ev.id] });
    await postSpans(key, Array.from({ length: 5 }, (_, i) => span(`r${i}`, `cap-${i}`, { kind: 'agent', input: 'q', output: 'a', end_time: '2026-01-01T00:00:01Z' })));
    const run = await waitForRun(key, r.id, 'online', (c) => c.scored + c.skipped === 5);
    expect(run.counts).toMatchObject({ scored: 2, skipped: 3 });
    expect(await received(sc)).toHaveLength(2);
    const skipped = (await api(`/v1/rules/${r.id}/runs/online/results?status=skipped`, { key })).json.results;
    expect(skipped[0]).toMatchObject({ error_code: 'spend_cap', score: null });
  });

  it('log a malformed answer as a failed job with its error and write no score', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('bad-answer');
    await script(sc, { steps: [], then: { text: 'Sure! It looks relevant.' } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    const r = await rule(key, { name: 'r', evaluator_ids: [ev.id] });
    await postSpans(key, [span('root', 'bad', { kind: 'agent', input: 'q', output: 'a', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForRun(key, r.id, 'online', (c) => c.failed === 1);
    const [entry] = (await api(`/v1/rules/${r.id}/runs/online/results?status=failed`, { key })).json.results;
    expect(entry).toMatchObject({ error_code: 'malformed_answer', score: null, feedback_id: null });
    expect(entry.judge_trace_id).toMatch(/^judge-/);
    expect(await feedbackOf(key, 'bad')).toEqual([]);
  });

  it('give up on a provider that keeps timing out after EVAL_MAX_ATTEMPTS and log it', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('always-slow');
    await script(sc, { steps: [], then: { delay_ms: 2000, verdict: 'auto' } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId, timeout_ms: 200 } });
    const r = await rule(key, { name: 'r', evaluator_ids: [ev.id] });
    await postSpans(key, [span('root', 'slow', { kind: 'agent', input: 'q', output: 'a', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForRun(key, r.id, 'online', (c) => c.failed === 1, 30_000);
    const [entry] = (await api(`/v1/rules/${r.id}/runs/online/results?status=failed`, { key })).json.results;
    expect(entry).toMatchObject({ error_code: 'timeout', attempts: 3 });
    expect(entry.error).toContain('gave up after 3 attempts');
    expect(await feedbackOf(key, 'slow')).toEqual([]);
  }, 30_000);
});

describe('dead letters', () => {
  it('a job that kept crashing is logged as failed, and a dead backfill page fails its run', async () => {
    const { key, projectId } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const r = await rule(key, { name: 'r', evaluator_ids: [ev.id], active: false });
    const { consumeEvalDeadLetters } = await import('../workers/evals/consumer.ts');
    const acked: string[] = [];
    const message = (id: string, body: unknown) => ({ id, body, attempts: 11, timestamp: new Date(), ack: () => acked.push(id), retry: () => {} });
    const bf = await api(`/v1/rules/${r.id}/backfill`, { key, body: { from: '2030-01-01T00:00:00Z', to: '2030-01-02T00:00:00Z' } });
    await consumeEvalDeadLetters(
      {
        queue: 'loupe-evals-dlq',
        messages: [
          message('1', { v: 1, type: 'evaluate', project_id: projectId, rule_id: r.id, run_id: 'online', trace_id: 'crashy', evaluator_id: ev.id }),
          message('2', { v: 1, type: 'backfill', project_id: projectId, rule_id: r.id, run_id: bf.json.id }),
        ],
      } as any,
      env,
    );
    expect(acked).toEqual(['1', '2']);
    const [entry] = (await api(`/v1/rules/${r.id}/runs/online/results?status=failed`, { key })).json.results;
    expect(entry).toMatchObject({ trace_id: 'crashy', error_code: 'internal', attempts: 11 });
    expect(entry.error).toContain('dead-lettered');
    const run = await api(`/v1/rules/${r.id}/runs/${bf.json.id}`, { key });
    expect(run.json).toMatchObject({ status: 'failed' });
    expect(run.json.error).toContain('dead-lettered');
  });
});
