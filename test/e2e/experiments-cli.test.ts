/**
 * `loupe experiments list|compare|gate|score` as a process against a real local Loupe: the
 * gate's exit codes (0 pass, 1 fail, 2 usage), its markdown for a pull request and its
 * JSON, the baseline by dataset tag, and re-scoring with another evaluator.
 */
import { describe, it, expect, inject, beforeAll } from 'vitest';
import { cleanEnv, runCli } from './run-cli.ts';

const loupe = inject('loupe');
const env = () => cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey });
const call = async (path: string, body?: unknown) => {
  const res = await fetch(`${loupe.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as any;
};

const suffix = crypto.randomUUID().slice(0, 8);
const dataset = `ds_cli_${suffix}`;
const names = { base: `cli-base-${suffix}`, good: `cli-good-${suffix}`, bad: `cli-bad-${suffix}` };
const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8'];

async function experiment(name: string, pass: (i: number) => number | null) {
  const e = await call('/v1/experiments', { name, dataset_id: dataset, candidate: { commit: name } });
  const runs = ids.map((example_id, i) => {
    const s = pass(i);
    return s === null ? { example_id, error: 'timed out after 30 s' } : { example_id, output: { ok: s }, scores: { correct: s }, latency_ms: 50 };
  });
  await call(`/v1/experiments/${e.id}/runs`, { runs });
  return e;
}

beforeAll(async () => {
  const base = await experiment(names.base, (i) => (i < 4 ? 1 : 0));
  await experiment(names.good, (i) => (i < 7 ? 1 : 0));
  await experiment(names.bad, (i) => (i === 7 ? null : i === 0 ? 0 : i < 4 ? 1 : 0));
  await call(`/v1/experiments/${base.id}/baseline`, {});
});

describe('loupe experiments gate', () => {
  it('passes (exit 0) with a markdown table for the pull request', async () => {
    const run = await runCli(['experiments', 'gate', '--candidate', names.good, '--max-regressions', '0'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('### Loupe gate: PASS');
    expect(run.stdout).toContain('| metric | baseline | candidate | delta (95% interval) | improved | regressed | |');
    expect(run.stdout).toMatch(/\| correct \| 0\.500 \| 0\.875 \| \+0\.375 \[[-0-9.]+, [0-9.]+\] \| 3 \| 0 \| ok \|/);
  });

  it('fails (exit 1) naming the regressed, errored and linked examples', async () => {
    const run = await runCli(['experiments', 'gate', '--candidate', names.bad, '--baseline', names.base, '--max-regressions', '1'], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('### Loupe gate: FAIL');
    expect(run.stdout).toMatch(/\*\*Regressed examples\*\* \(1\)\n\n- \[e1\]\(http[^)]+\/experiments\/compare\?ids=[^)]+&example=e1\)/);
    expect(run.stdout).toContain('**Errored examples** (1)');
    expect(run.stderr).toMatch(/gate failed/);
  });

  it('gives the verdict as JSON with --format json', async () => {
    const run = await runCli(['--format', 'json', 'experiments', 'gate', '--candidate', names.bad, '--max-regressions', '0'], { env: env() });
    expect(run.code).toBe(1);
    const verdict = JSON.parse(run.stdout);
    expect(verdict).toMatchObject({ pass: false, regressed: ['e1'], errored: ['e8'], missing: [] });
  });

  it('exits 2 for contradicting or bad flags and unknown experiments', async () => {
    for (const args of [
      ['--candidate', names.good, '--baseline', names.base, '--baseline-tag', 'prod'],
      ['--candidate', names.good, '--confidence', '95'],
      ['--candidate', names.good, '--max-regressions', 'many'],
      ['--max-regressions', '1'],
      ['--candidate', names.good, '--no-such-flag'],
      ['--candidate', `nope-${suffix}`],
    ]) {
      const run = await runCli(['experiments', 'gate', ...args], { env: env() });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).not.toBe('');
    }
  });
});

describe('loupe experiments compare and list', () => {
  it('compares the demo’s tau2-bench runs (base vs fine-tuned GPT-4.1) with regressions first, and the gate fails on them', async () => {
    const run = await runCli(['experiments', 'compare', 'tau2-gpt-4.1-base', 'tau2-gpt-4.1-fine-tuned'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('60 shared example(s)');
    const statuses = run.stdout.split('\n').filter((l) => l.startsWith('| [')).map((l) => /\| (improved|regressed|unchanged|errored|missing) \|/.exec(l)?.[1]);
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill('regressed'));
    // The base run is the pinned baseline; 9 regressions fail a zero-regression gate.
    const gate = await runCli(['--format', 'json', 'experiments', 'gate', '--candidate', 'tau2-gpt-4.1-fine-tuned', '--max-regressions', '0'], { env: env() });
    expect(gate.code).toBe(1);
    expect(JSON.parse(gate.stdout).regressed).toHaveLength(9);
  });

  it('compares with error bars and lists regressions first', async () => {
    const run = await runCli(['experiments', 'compare', names.base, names.bad], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('8 shared example(s)');
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('| [e'));
    expect(rows[0]).toMatch(/^\| \[e1\].* \| regressed \|/);
    expect(rows[1]).toMatch(/^\| \[e8\].* \| errored \|/);
  });

  it('lists the experiments of a dataset with the baseline marked', async () => {
    const run = await runCli(['experiments', 'list', '--dataset', dataset], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`\\| ${names.base} \\|.*\\| running \\(baseline\\) \\|`));
  });
});

describe('loupe experiments gate --baseline-tag and score', () => {
  /** A Loupe dataset of two examples tagged `prod` at version 1, a pinned baseline on it and a candidate. */
  async function tagged(label: string) {
    const ds = await call('/v1/datasets', { name: `cli-tagged-${label}-${suffix}` });
    const added = await call(`/v1/datasets/${ds.id}/examples`, { examples: [{ inputs: { q: 'France' }, outputs: { answer: 'Paris' } }, { inputs: { q: 'Italy' }, outputs: { answer: 'Rome' } }] });
    await fetch(`${loupe.url}/v1/datasets/${ds.id}/tags/prod`, { method: 'PUT', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: added.version }) });
    const [a, b] = added.examples.map((e: any) => e.id);
    const make = async (name: string, scores: number[]) => {
      const e = await call('/v1/experiments', { name, dataset_id: ds.id });
      await call(`/v1/experiments/${e.id}/runs`, { runs: [a, b].map((example_id, i) => ({ example_id, trace_id: `${name}-${i}`, output: { answer: i === 0 ? 'Paris' : 'Milan' }, scores: { correct: scores[i] } })) });
      return e;
    };
    const base = await make(`cli-tag-base-${label}-${suffix}`, [1, 1]);
    await call(`/v1/experiments/${base.id}/baseline`, {});
    const cand = await make(`cli-tag-cand-${label}-${suffix}`, [1, 0]);
    return { ds, base, cand, examples: [a, b] as string[] };
  }

  it('gates against the baseline pinned for the tagged version, and exits 2 for a tag with none', async () => {
    const { base, cand } = await tagged('gate');
    const run = await runCli(['--format', 'json', 'experiments', 'gate', '--candidate', cand.name, '--baseline-tag', 'prod', '--max-regressions', '0'], { env: env() });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ baseline: base.id, baseline_from: 'tag', pass: false });
    const none = await runCli(['experiments', 'gate', '--candidate', cand.name, '--baseline-tag', 'staging'], { env: env() });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no tag 'staging'");
    const pin = await fetch(`${loupe.url}/v1/experiments/${cand.id}/baseline`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}` } });
    expect(pin.status).toBe(409);
  });

  it('scores an existing experiment with another evaluator, once however often asked', async () => {
    const { cand, examples } = await tagged('score');
    const ev = await call('/v1/evaluators', { name: `exact ${suffix}`, key: `exact_${suffix}`, config: { type: 'code', check: 'exact_match', value: 'output.answer', expected_from: 'example.outputs.answer' } });
    const spans = [0, 1].map((i) => ({ id: `root${i}`, trace_id: `${cand.name}-${i}`, name: 'agent', kind: 'agent', start_time: '2026-01-01T00:00:00.000Z', end_time: '2026-01-01T00:00:01.000Z', output: { answer: i === 0 ? 'Paris' : 'Milan' } }));
    await call('/v1/spans', { spans });
    await expect.poll(async () => (await fetch(`${loupe.url}/v1/traces/${cand.name}-1`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['experiments', 'score', cand.name, '--evaluator', ev.id, '--wait', '--timeout', '60'], { env: env() });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('| evaluator | queued | scored | failed | skipped |');
      expect(run.stdout).toContain(`| ${ev.id} | 0 | 2 | 0 | 0 |`);
    }
    const runs = (await call(`/v1/experiments/${cand.id}/runs`)).runs;
    const byExample = Object.fromEntries(runs.map((r: any) => [r.example_id, r.scores[`exact_${suffix}`]]));
    expect(byExample).toEqual({ [examples[0]]: 1, [examples[1]]: 0 });
    const trace = await call(`/v1/traces/${cand.name}-1`);
    expect(trace.feedback.filter((f: any) => f.key === `exact_${suffix}`)).toHaveLength(1);
    const bad = await runCli(['experiments', 'score', cand.name], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--evaluator');
  });
});
