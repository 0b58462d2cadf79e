/**
 * `loupe experiments list|compare|gate` as a process against a real local Loupe: the
 * gate's exit codes (0 pass, 1 fail, 2 usage), its markdown for a pull request and its
 * JSON.
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
