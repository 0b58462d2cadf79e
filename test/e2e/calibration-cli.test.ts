/**
 * `loupe evaluators agreement` as a process against a real local Loupe: a code check
 * backfilled over a few demo conversations, people labelling the same traces, the CLI
 * reading the agreement as markdown and as the API's JSON.
 */
import { describe, it, expect, inject } from 'vitest';
import { cleanEnv, runCli } from './run-cli.ts';
import { apiClient, until } from './api.ts';

const loupe = inject('loupe');
const env = () => cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey });

const call = apiClient(loupe);

describe('loupe evaluators agreement', () => {
  it('prints the agreement of a check with people, and the disagreement with the reviewer comment', async () => {
    const key = `loops_cal_${Date.now()}`;
    const ev = await call('/v1/evaluators', { template: 'no_loops', key, name: `loops calibration ${key}` });
    const rule = await call('/v1/rules', { name: 'loops calibration', filter: 'tag=tau-bench', evaluator_ids: [ev.id], active: false });
    const run = await call(`/v1/rules/${rule.id}/backfill`, { from: new Date(Date.now() - 30 * 86_400_000).toISOString(), max_traces: 4 });
    await until(async () => ((await call(`/v1/rules/${rule.id}/runs/${run.id}`)).status === 'done' ? true : undefined), 60_000);
    const scores = (await call(`/v1/evaluators/${ev.id}/scores?limit=10`)).scores;
    expect(scores.length).toBe(4);
    // People agree on three and disagree on the first.
    for (const [i, s] of scores.entries()) {
      await call('/v1/feedback', { trace_id: s.trace_id, key, source: 'human', author: 'ana', score: i === 0 ? 1 - s.score : s.score, comment: i === 0 ? 'it loops on get_reservation_details' : 'fine' });
    }
    const md = await runCli(['evaluators', 'agreement', ev.id], { env: env() });
    expect(md.stderr).toBe('');
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(`vs human ${key}`);
    expect(md.stdout).toContain('- accuracy: 0.75');
    expect(md.stdout).toContain('## Disagreements (1)');
    expect(md.stdout).toContain(`### ${scores[0].trace_id}`);
    expect(md.stdout).toContain('- ana: ');
    expect(md.stdout).toContain('it loops on get_reservation_details');
    const json = await runCli(['--format', 'json', 'evaluators', 'agreement', key], { env: env() });
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.overall).toMatchObject({ n: 4, accuracy: { value: 0.75 } });
    expect(out).toEqual(await call(`/v1/evaluators/${ev.id}/agreement?disagreements=20`));
    const missing = await runCli(['evaluators', 'agreement', 'no-such-evaluator'], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no evaluator 'no-such-evaluator'");
  });

  it('aligns a draft check over the labelled traces without writing scores, as markdown and JSON', async () => {
    const key = `loops_align_${Date.now()}`;
    const ev = await call('/v1/evaluators', { template: 'no_loops', key, name: `loops align ${key}` });
    const rule = await call('/v1/rules', { name: 'loops align', filter: 'tag=tau-bench', evaluator_ids: [ev.id], active: false });
    const run = await call(`/v1/rules/${rule.id}/backfill`, { from: new Date(Date.now() - 30 * 86_400_000).toISOString(), max_traces: 3 });
    await until(async () => ((await call(`/v1/rules/${rule.id}/runs/${run.id}`)).status === 'done' ? true : undefined), 60_000);
    const scores = (await call(`/v1/evaluators/${ev.id}/scores?limit=10`)).scores;
    // People say every trace passes; a draft that fails everything disagrees everywhere.
    for (const s of scores) await call('/v1/feedback', { trace_id: s.trace_id, key, source: 'human', author: 'ana', score: 1 });
    const draft = JSON.stringify({ config: { type: 'code', check: 'contains', text: 'no trace says this 7f3a' } });
    const md = await runCli(['evaluators', 'align', key, '--draft', draft], { env: env() });
    expect(md.stderr).toBe('');
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(`# Alignment: evaluator ${ev.id} vs human ${key}`);
    expect(md.stdout).toContain(`${scores.length} human-labelled items`);
    expect(md.stdout).toContain('## draft: no errors');
    const json = await runCli(['--format', 'json', 'evaluators', 'align', ev.id, '--draft', draft], { env: env() });
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.items).toBe(scores.length);
    expect(out.draft.stats.accuracy.value).toBe(0);
    expect(out.current.version).toBe(1);
    expect((await call(`/v1/evaluators/${ev.id}/scores?limit=10`)).scores.length).toBe(scores.length);
    const usage = await runCli(['evaluators', 'align', ev.id], { env: env() });
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('--draft');
  });
});
