import { describe, it, expect, inject } from 'vitest';

describe('a local Loupe started like `npm start`', () => {
  const loupe = inject('loupe');

  it('is set up with a default project and an API key that reads the demo traces', async () => {
    const project: any = await (await fetch(`${loupe.url}/v1/project`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).json();
    expect(project.name).toBe('default');
    const res = await fetch(`${loupe.url}/v1/traces?limit=500&q=${encodeURIComponent('tag=tau-bench')}`, { headers: { 'x-api-key': loupe.apiKey } });
    const { traces } = (await res.json()) as { traces: any[] };
    expect(traces).toHaveLength(200);
    const failed = traces.filter((t: any) => t.feedback.outcome?.avg === 0);
    expect(failed).toHaveLength(116);
  });

  it('holds the demo ground truth: the failed conversations and the tau2-bench tasks as datasets, two experiments on tau2 with regressions', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
      expect(res.status, path).toBe(200);
      return (await res.json()) as any;
    };
    const { datasets } = await get('/v1/datasets');
    const failures = datasets.find((d: any) => d.name === 'tau-bench-airline-failures');
    const tau2 = datasets.find((d: any) => d.name === 'tau2-bench');
    expect(failures.latest_version).toBe(1);
    const failed = (await get(`/v1/datasets/${failures.id}/examples?limit=1000`)).examples;
    expect(failed).toHaveLength(116);
    for (const ex of failed) expect(ex.source.trace_id).toMatch(/^taubench-airline-\d+-\d+$/);
    // 110 of the 116 tasks expect tool calls; the other 6 expect none (the right move is to take no action).
    expect(failed.filter((ex: any) => ex.expected_trajectory.length > 0)).toHaveLength(110);
    expect(failed.filter((ex: any) => ex.outputs !== null)).toHaveLength(13);
    // The example keeps the trace's expected calls as they are on the trace (the evaluator reads the same list).
    const trace = await get(`/v1/traces/${failed[0].source.trace_id}`);
    const root = trace.spans.find((s: any) => !s.parent_id);
    expect(failed[0].expected_trajectory).toEqual(root.metadata.expected_actions.map((a: any) => ({ name: a.name, args: a.kwargs })));

    const tasks = (await get(`/v1/datasets/${tau2.id}/examples?limit=1000`)).examples;
    expect(tasks).toHaveLength(60);
    expect(tasks.filter((e: any) => e.splits.includes('airline'))).toHaveLength(20);
    expect(tasks.filter((e: any) => e.splits.includes('retail'))).toHaveLength(40);
    expect(tasks.filter((e: any) => e.expected_trajectory.length > 0).length).toBeGreaterThan(50);

    const { experiments } = await get(`/v1/experiments?dataset_id=${tau2.id}`);
    const base = experiments.find((e: any) => e.name === 'tau2-gpt-4.1-base');
    const tuned = experiments.find((e: any) => e.name === 'tau2-gpt-4.1-fine-tuned');
    expect(base).toMatchObject({ baseline: true, status: 'completed', dataset_version: tau2.latest_version });
    expect(tuned).toMatchObject({ baseline: false, status: 'completed' });
    const { comparisons } = await get(`/v1/experiments/compare?ids=${base.id},${tuned.id}`);
    const [cmp] = comparisons;
    expect(cmp.shared).toBe(60);
    const reward = cmp.metrics.find((m: any) => m.key === 'reward');
    // tau2-bench's own rewards: base 44/60 solved, fine-tuned 47/60; 12 improved, 9 regressed.
    expect(reward).toMatchObject({ kind: 'pass_rate', improved: 12, regressed: 9 });
    expect(reward.baseline.mean).toBeCloseTo(44 / 60);
    expect(reward.candidate.mean).toBeCloseTo(47 / 60);
    expect(reward.baseline.interval.low).toBeLessThan(reward.baseline.mean);
    expect(cmp.examples[0].status).toBe('regressed');
    // Each run is a trace in Loupe (the trajectory diff reads them).
    const run = (await get(`/v1/experiments/${tuned.id}/runs`)).runs[0];
    expect((await get(`/v1/traces/${run.trace_id}`)).spans.length).toBeGreaterThan(1);
  });

  it('refuses a second bootstrap', async () => {
    const res = await fetch(`${loupe.url}/v1/setup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${loupe.setupSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'someone@example.com', password: 'long-enough-password' }),
    });
    expect(res.status).toBe(409);
  });
});
