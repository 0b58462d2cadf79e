/**
 * Scoring experiments with Loupe's evaluators: checks and judges read the run's dataset
 * example (`example.outputs`, `example.criteria`, `example.expected_trajectory`), the
 * evaluators chosen at creation score runs as their traces complete, another evaluator
 * re-scores an existing experiment later, and asking twice never writes a second score.
 * Judges answer from the local fake provider.
 */
import { describe, it, expect } from 'vitest';
import { api, eventually, makeProject, span, waitForTrace } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, postSpans, received, scenarioId, script } from './evals-helpers.ts';

/** A dataset of two capital questions, with reference outputs, criteria and the expected tool call. */
async function capitals(key: string) {
  const ds = await api('/v1/datasets', { key, body: { name: `capitals-${crypto.randomUUID().slice(0, 8)}` } });
  expect(ds.status).toBe(201);
  const ex = await api(`/v1/datasets/${ds.json.id}/examples`, {
    key,
    body: {
      examples: [
        { inputs: { question: 'Capital of France?' }, outputs: { answer: 'Paris' }, criteria: 'Names Paris; one sentence.', expected_trajectory: [{ name: 'lookup', args: { country: 'France' } }] },
        { inputs: { question: 'Capital of Italy?' }, outputs: { answer: 'Rome' }, criteria: 'Names Rome; one sentence.', expected_trajectory: [{ name: 'lookup', args: { country: 'Italy' } }] },
      ],
    },
  });
  expect(ex.status).toBe(201);
  const [fr, it] = [...ex.json.examples].sort((a: any, b: any) => (a.inputs.question < b.inputs.question ? -1 : 1));
  return { datasetId: ds.json.id as string, fr: fr.id as string, it: it.id as string };
}

/** One run's trace: a root with the answer, and one lookup tool call. */
function runSpans(traceId: string, answer: string, country: string) {
  return [
    span('root', traceId, { kind: 'agent', name: 'agent', input: { question: `Capital of ${country}?` }, output: { answer }, end_time: '2026-01-01T00:00:02.000Z' }),
    span('tool', traceId, { parent_id: 'root', kind: 'tool', name: 'lookup', input: { country }, output: answer, start_time: '2026-01-01T00:00:00.500Z', end_time: '2026-01-01T00:00:01.000Z' }),
  ];
}

async function scoresOf(key: string, experimentId: string) {
  const r = await api(`/v1/experiments/${experimentId}/runs`, { key });
  expect(r.status).toBe(200);
  return Object.fromEntries(r.json.runs.map((x: any) => [x.example_id, x.scores]));
}

// Ingest, the quiet period and the evals queue take seconds on a loaded machine: well past the 5 s default.
describe('experiment scoring', { timeout: 60_000 }, () => {
  it('code checks read the example: exact match against its outputs, tool sequence against its expected trajectory', async () => {
    const { key } = await makeProject();
    const d = await capitals(key);
    const exact = await createEvaluator(key, { name: 'exact answer', key: 'exact', config: { type: 'code', check: 'exact_match', value: 'output.answer', expected_from: 'example.outputs.answer' } });
    const tools = await createEvaluator(key, { template: 'expected_tool_calls' });
    const e = await api('/v1/experiments', { key, body: { name: 'checks', dataset_id: d.datasetId, evaluators: [exact.id, tools.id] } });
    expect(e.status).toBe(201);
    // France right; Italy wrong answer and a lookup of the wrong country.
    await postSpans(key, [...runSpans('run-fr', 'Paris', 'France'), ...runSpans('run-it', 'Milan', 'Spain')]);
    await waitForTrace(key, 'run-fr', 2);
    await waitForTrace(key, 'run-it', 2);
    const posted = await api(`/v1/experiments/${e.json.id}/runs`, { key, body: { runs: [{ example_id: d.fr, trace_id: 'run-fr', output: { answer: 'Paris' } }, { example_id: d.it, trace_id: 'run-it', output: { answer: 'Milan' } }] } });
    expect(posted.status).toBe(200);
    const scores = await eventually(async () => {
      const s = await scoresOf(key, e.json.id);
      if (Object.keys(s[d.fr] ?? {}).length < 2 || Object.keys(s[d.it] ?? {}).length < 2) throw new Error(`not scored yet: ${JSON.stringify(s)}`);
      return s;
    }, 20_000);
    expect(scores[d.fr]).toEqual({ exact: 1, expected_tool_calls: 1 });
    expect(scores[d.it]).toEqual({ exact: 0, expected_tool_calls: 0 });
    const fb = await api(`/v1/traces/run-it`, { key });
    const comment = fb.json.feedback.find((f: any) => f.key === 'exact').comment;
    expect(comment).toContain('expected "Rome", got "Milan"');
    const status = await api(`/v1/experiments/${e.json.id}/scoring`, { key });
    expect(status.json).toMatchObject({ done: true });
    expect(status.json.evaluators.map((x: any) => x.scored)).toEqual([2, 2]);
  });

  it('runs posted before their trace is indexed are scored when the trace completes', async () => {
    const { key } = await makeProject();
    const d = await capitals(key);
    const exact = await createEvaluator(key, { name: 'exact answer', key: 'exact', config: { type: 'code', check: 'exact_match', value: 'output.answer', expected_from: 'example.outputs.answer' } });
    const e = await api('/v1/experiments', { key, body: { name: 'late traces', dataset_id: d.datasetId, evaluators: [exact.id] } });
    expect((await api(`/v1/experiments/${e.json.id}/runs`, { key, body: { runs: [{ example_id: d.fr, trace_id: 'late-fr' }] } })).status).toBe(200);
    await postSpans(key, runSpans('late-fr', 'Paris', 'France'));
    const scores = await eventually(async () => {
      const s = await scoresOf(key, e.json.id);
      if (s[d.fr]?.exact === undefined) throw new Error('not scored yet');
      return s;
    }, 20_000);
    expect(scores[d.fr]).toEqual({ exact: 1 });
  });

  it('the correctness judge sees the expected outputs and the criteria judge the criteria; a re-score asked twice scores once', async () => {
    const { key } = await makeProject();
    const d = await capitals(key);
    const sc = scenarioId('exp-judge');
    await script(sc, { steps: [], then: { verdict: { reasoning: 'Matches the reference.', verdict: true } } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const e = await api('/v1/experiments', { key, body: { name: 'judged later', dataset_id: d.datasetId } });
    await postSpans(key, [...runSpans('j-fr', 'Paris', 'France'), ...runSpans('j-it', 'Rome', 'Italy')]);
    await waitForTrace(key, 'j-fr', 2);
    await waitForTrace(key, 'j-it', 2);
    await api(`/v1/experiments/${e.json.id}/runs`, { key, body: { runs: [{ example_id: d.fr, trace_id: 'j-fr' }, { example_id: d.it, trace_id: 'j-it' }, { example_id: 'not-traced', trace_id: 'never-posted' }] } });

    const correctness = await createEvaluator(key, { template: 'correctness', config: { provider_id: providerId } });
    const first = await api(`/v1/experiments/${e.json.name}/score`, { key, body: { evaluators: [correctness.id] } });
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ experiment_id: e.json.id, evaluators: [correctness.id], queued: 2, runs_without_trace: 1 });
    await eventually(async () => {
      const s = await api(`/v1/experiments/${e.json.id}/scoring`, { key });
      if (!s.json.done) throw new Error('still scoring');
    }, 20_000);
    const again = await api(`/v1/experiments/${e.json.id}/score`, { key, body: { evaluators: [correctness.id] } });
    expect(again.status).toBe(202);
    await eventually(async () => {
      const s = await api(`/v1/experiments/${e.json.id}/scoring`, { key });
      if (!s.json.done) throw new Error('still scoring');
    }, 20_000);
    const calls = await received(sc);
    expect(calls).toHaveLength(2);
    const prompts = calls.map((c) => c.body.messages.map((m: any) => m.content).join('\n'));
    expect(prompts.some((p) => p.includes('<reference_answer>\n{"answer":"Paris"}\n</reference_answer>'))).toBe(true);
    expect(prompts.some((p) => p.includes('<reference_answer>\n{"answer":"Rome"}\n</reference_answer>'))).toBe(true);
    const fb = (await api('/v1/traces/j-fr', { key })).json.feedback.filter((f: any) => f.key === 'correctness');
    expect(fb).toHaveLength(1);
    expect((await scoresOf(key, e.json.id))[d.fr]).toEqual({ correctness: 1 });
    expect((await api(`/v1/experiments/${e.json.id}`, { key })).json.evaluators).toEqual([correctness.id]);

    const sc2 = scenarioId('exp-criteria');
    await script(sc2, { steps: [], then: { verdict: { reasoning: 'All met.', verdict: 1 } } });
    const criteria = await createEvaluator(key, { template: 'criteria', config: { provider_id: await fakeOpenAiProvider(key, sc2) } });
    expect((await api(`/v1/experiments/${e.json.id}/score`, { key, body: { evaluators: [criteria.id] } })).status).toBe(202);
    const crit = await eventually(async () => {
      const r = await received(sc2);
      if (r.length < 2) throw new Error('judge not called yet');
      return r;
    }, 20_000);
    const text = crit.map((c) => c.body.messages.map((m: any) => m.content).join('\n')).join('\n');
    expect(text).toContain('<criteria>\nNames Paris; one sentence.\n</criteria>');
    expect(text).toContain('<criteria>\nNames Rome; one sentence.\n</criteria>');
  });

  it('a later score of the same key replaces the older one in the summary and the comparison', async () => {
    const { key } = await makeProject();
    const base = await api('/v1/experiments', { key, body: { name: 'base', dataset_id: 'ds_newest' } });
    const cand = await api('/v1/experiments', { key, body: { name: 'cand', dataset_id: 'ds_newest' } });
    await api(`/v1/experiments/${base.json.id}/runs`, { key, body: { runs: [{ example_id: 'e1', trace_id: 'b-e1', scores: { correct: 1 } }] } });
    await api(`/v1/experiments/${cand.json.id}/runs`, { key, body: { runs: [{ example_id: 'e1', trace_id: 'c-e1', scores: { correct: 0 } }] } });
    expect((await api('/v1/feedback', { key, body: { trace_id: 'c-e1', key: 'correct', score: 1, source: 'human' } })).status).toBeLessThan(300);
    expect((await api(`/v1/experiments/${cand.json.id}`, { key })).json.summary.metrics[0].mean).toBe(1);
    const c = await api(`/v1/experiments/compare?ids=${base.json.id},${cand.json.id}`, { key });
    expect(c.json.comparisons[0].examples[0]).toMatchObject({ exampleId: 'e1', status: 'unchanged', metrics: { correct: { baseline: 1, candidate: 1 } } });
  });

  it('a trace that is no experiment run says so when a check needs the example', async () => {
    const { key } = await makeProject();
    await postSpans(key, runSpans('plain', 'Paris', 'France'));
    await waitForTrace(key, 'plain', 2);
    const res = await api('/v1/evaluators/try', { key, body: { evaluator: { name: 'x', key: 'x', config: { type: 'code', check: 'exact_match', value: 'output.answer', expected_from: 'example.outputs.answer' } }, trace_ids: ['plain'] } });
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'missing_reference' });
    expect(res.json.results[0].error).toContain('not a run of an experiment');
  });

  it('bad input names the field, and another project cannot score or read the experiment', async () => {
    const { key } = await makeProject();
    const d = await capitals(key);
    const bad = await api('/v1/experiments', { key, body: { name: 'bad', dataset_id: d.datasetId, evaluators: ['no-such-evaluator'] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('evaluators[0]');
    expect((await api('/v1/experiments', { key })).json.experiments).toHaveLength(0);
    const e = await api('/v1/experiments', { key, body: { name: 'good', dataset_id: d.datasetId } });
    const empty = await api(`/v1/experiments/${e.json.id}/score`, { key, body: { evaluators: [] } });
    expect(empty.status).toBe(400);
    expect(empty.json.error.path).toBe('evaluators');
    const unknown = await api(`/v1/experiments/${e.json.id}/score`, { key, body: { evaluators: ['nope'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.path).toBe('evaluators[0]');
    const other = await makeProject();
    const ev = await createEvaluator(other.key, { template: 'no_loops' });
    expect((await api(`/v1/experiments/${e.json.id}/score`, { key: other.key, body: { evaluators: [ev.id] } })).status).toBe(404);
    expect((await api(`/v1/experiments/${e.json.id}/scoring`, { key: other.key })).status).toBe(404);
  });
});
