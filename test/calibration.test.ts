import { describe, it, expect } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { api, makeKey, makeProject } from './helpers.ts';
import { createEvaluator } from './evals-helpers.ts';
import { human, judgeScore } from './calibration-helpers.ts';

/** (human, judge) boolean pairs on traces t0..tn. */
async function booleanSetup(pairs: [boolean, boolean][]) {
  const { key, projectId } = await makeProject();
  const ev = await createEvaluator(key, { name: 'paris', key: 'paris', config: { type: 'code', check: 'contains', text: 'Paris' } });
  for (const [i, [h, j]] of pairs.entries()) {
    await judgeScore(projectId, ev.id, 1, `t${i}`, 'paris', j ? 1 : 0, { comment: `judge says ${j}` });
    await human(key, `t${i}`, 'paris', { score: h, comment: `person says ${h}` });
  }
  return { key, projectId, ev };
}

const T = true;
const F = false;

describe('GET /v1/evaluators/{id}/agreement', () => {
  it('matches a hand-computed boolean table and lists the disagreements with both sides', async () => {
    // TP 3, FN 1, FP 1, TN 3: accuracy 6/8, TPR 3/4, TNR 3/4, po .75, pe .5, kappa .5.
    const { key, ev } = await booleanSetup([[T, T], [T, T], [T, T], [T, F], [F, T], [F, F], [F, F], [F, F]]);
    const res = await api(`/v1/evaluators/${ev.id}/agreement`, { key });
    expect(res.status).toBe(200);
    const o = res.json.overall;
    expect(res.json.type).toBe('boolean');
    expect(o.n).toBe(8);
    expect(o.matrix).toEqual([[3, 1], [1, 3]]);
    expect(o.accuracy.value).toBeCloseTo(0.75, 10);
    expect(o.tpr.value).toBeCloseTo(0.75, 10);
    expect(o.tnr.value).toBeCloseTo(0.75, 10);
    expect(o.kappa.value).toBeCloseTo(0.5, 10);
    expect(o.accuracy.interval.low).toBeLessThan(0.75);
    expect(o.accuracy.interval.high).toBeGreaterThan(0.75);
    expect(res.json.disagreement_count).toBe(2);
    const d = res.json.disagreements.find((x: any) => x.trace_id === 't3');
    expect(d).toMatchObject({ judge: { label: false, reasoning: 'judge says false' }, humans: [{ label: true, comment: 'person says true' }], link: '/traces/t3' });
  });

  it('gives kappa 1 for perfect agreement and 0 at chance level', async () => {
    const perfect = await booleanSetup([[T, T], [T, T], [F, F], [F, F]]);
    let o = (await api(`/v1/evaluators/${perfect.ev.id}/agreement`, { key: perfect.key })).json.overall;
    expect(o.accuracy.value).toBe(1);
    expect(o.kappa.value).toBeCloseTo(1, 10);
    // TP 1, FN 1, FP 1, TN 1: po = pe = .5.
    const chance = await booleanSetup([[T, T], [T, F], [F, T], [F, F]]);
    o = (await api(`/v1/evaluators/${chance.ev.id}/agreement`, { key: chance.key })).json.overall;
    expect(o.accuracy.value).toBeCloseTo(0.5, 10);
    expect(o.kappa.value).toBeCloseTo(0, 10);
  });

  it('answers null with a reason, never NaN, when people used one class only', async () => {
    const { key, ev } = await booleanSetup([[T, T], [T, T], [T, T]]);
    const res = await api(`/v1/evaluators/${ev.id}/agreement`, { key });
    expect(res.text).not.toContain('NaN');
    const o = res.json.overall;
    expect(o.tnr).toMatchObject({ value: null, reason: 'no item that people labelled false' });
    expect(o.kappa.value).toBeNull();
    expect(typeof o.kappa.reason).toBe('string');
    expect(o.tpr.value).toBe(1);
  });

  it('computes Spearman, MAE and share within tolerance for numbers, under a mapped human key', async () => {
    const { key, projectId } = await makeProject();
    const ev = await createEvaluator(key, { name: 'helpfulness', key: 'helpfulness', config: { type: 'code', check: 'length', max: 100 } });
    const judge = [2, 3, 4, 5];
    const people = [2, 4, 3, 5];
    for (let i = 0; i < 4; i++) {
      await judgeScore(projectId, ev.id, 1, `n${i}`, 'helpfulness', judge[i]);
      await human(key, `n${i}`, 'helpful', { score: people[i] });
    }
    const res = await api(`/v1/evaluators/${ev.id}/agreement?type=numeric&human_key=helpful&tolerance=0.5`, { key });
    expect(res.status).toBe(200);
    // d = [0, 1, 1, 0]: rho = 1 - 6*2 / (4*15) = 0.8; MAE 0.5; within 0.5: 2 of 4.
    expect(res.json.overall.spearman.value).toBeCloseTo(0.8, 10);
    expect(res.json.overall.mae.value).toBeCloseTo(0.5, 10);
    expect(res.json.overall.within_tolerance.value).toBeCloseTo(0.5, 10);
    expect(res.json.human_key).toBe('helpful');
    // A boolean comparison of these 2-5 scores needs a threshold: 400 naming both keys.
    const bad = await api(`/v1/evaluators/${ev.id}/agreement?type=boolean&human_key=helpful`, { key });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain("'helpfulness'");
    expect(bad.json.error.message).toContain("'helpful'");
    const ok = await api(`/v1/evaluators/${ev.id}/agreement?type=boolean&human_key=helpful&threshold=4`, { key });
    expect(ok.status).toBe(200);
    // >= 4: judge F F T T, people F T F T: one of each cell.
    expect(ok.json.overall.matrix).toEqual([[1, 1], [1, 1]]);
  });

  it('compares categories with a confusion matrix and kappa', async () => {
    const { key, projectId } = await makeProject();
    const ev = await createEvaluator(key, { name: 'tone', key: 'tone', config: { type: 'code', check: 'length', max: 100 } });
    // (human, judge): (a,a) (a,a) (b,b) (b,a) (c,c) (c,c); po 5/6; human a2 b2 c2, judge a3 b1 c2: pe = (6+2+4)/36 = 1/3; kappa = (5/6-1/3)/(2/3) = .75.
    const rows: [string, string][] = [['a', 'a'], ['a', 'a'], ['b', 'b'], ['b', 'a'], ['c', 'c'], ['c', 'c']];
    for (const [i, [h, j]] of rows.entries()) {
      await judgeScore(projectId, ev.id, 1, `c${i}`, 'tone', null, { value: j });
      await human(key, `c${i}`, 'tone', { value: h });
    }
    const o = (await api(`/v1/evaluators/${ev.id}/agreement?type=categorical`, { key })).json.overall;
    expect(o.labels).toEqual(['a', 'b', 'c']);
    expect(o.matrix).toEqual([[2, 0, 0], [1, 1, 0], [0, 0, 2]]);
    expect(o.kappa.value).toBeCloseTo(0.75, 10);
  });

  it('reports each version on its own and over time', async () => {
    const { key, projectId } = await makeProject();
    const ev = await createEvaluator(key, { name: 'paris', key: 'paris', config: { type: 'code', check: 'contains', text: 'Paris' } });
    const patched = await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { config: { text: 'paris' } } });
    expect(patched.json.version).toBe(2);
    const day1 = Date.UTC(2026, 0, 5, 12);
    const day2 = Date.UTC(2026, 0, 6, 12);
    for (let i = 0; i < 4; i++) {
      const h = i % 2 === 0;
      await human(key, `v${i}`, 'paris', { score: h });
      await judgeScore(projectId, ev.id, 1, `v${i}`, 'paris', 1, { at: day1 }); // v1 always says true: 2 of 4
      await judgeScore(projectId, ev.id, 2, `v${i}`, 'paris', h ? 1 : 0, { at: day2 }); // v2 agrees on all 4
    }
    const res = await api(`/v1/evaluators/${ev.id}/agreement`, { key });
    const byVersion = Object.fromEntries(res.json.versions.map((v: any) => [v.version, v.stats]));
    expect(byVersion[1].accuracy.value).toBeCloseTo(0.5, 10);
    expect(byVersion[2].accuracy.value).toBe(1);
    expect(res.json.over_time.map((b: any) => [b.start, b.stats.n])).toEqual([['2026-01-05T00:00:00.000Z', 4], ['2026-01-06T00:00:00.000Z', 4]]);
    const only2 = await api(`/v1/evaluators/${ev.id}/agreement?version=2`, { key });
    expect(only2.json.overall).toMatchObject({ n: 4, accuracy: { value: 1 } });
  });

  it('uses a stored mapping (judge helpfulness <- human helpful) and names both keys when its types clash', async () => {
    const { key, projectId } = await makeProject();
    const ev = await createEvaluator(key, { name: 'helpfulness', key: 'helpfulness', config: { type: 'code', check: 'contains', text: 'x' } });
    for (let i = 0; i < 3; i++) {
      await judgeScore(projectId, ev.id, 1, `m${i}`, 'helpfulness', 1);
      await human(key, `m${i}`, 'helpful', { score: i + 3 }); // 3, 4, 5 on a 1-5 scale
    }
    expect((await api(`/v1/evaluators/${ev.id}/agreement/mapping`, { key })).status).toBe(404);
    let res = await api(`/v1/evaluators/${ev.id}/agreement`, { key });
    expect(res.json).toMatchObject({ human_key: 'helpfulness', overall: { n: 0 }, unpaired: { judge: 3 } });
    const readOnly = await makeKey(projectId, ['read']);
    expect((await api(`/v1/evaluators/${ev.id}/agreement/mapping`, { key: readOnly, method: 'PUT', body: { human_key: 'helpful' } })).status).toBe(403);
    const put = await api(`/v1/evaluators/${ev.id}/agreement/mapping`, { key, method: 'PUT', body: { human_key: 'helpful' } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ human_key: 'helpful', threshold: null });
    // A boolean check against 1-5 scores without a threshold: 400 naming both keys.
    res = await api(`/v1/evaluators/${ev.id}/agreement`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("judge key 'helpfulness' is boolean but human key 'helpful' holds numbers (5) and no threshold was given");
    await api(`/v1/evaluators/${ev.id}/agreement/mapping`, { key, method: 'PUT', body: { human_key: 'helpful', threshold: 4 } });
    res = await api(`/v1/evaluators/${ev.id}/agreement`, { key });
    expect(res.json).toMatchObject({ human_key: 'helpful', threshold: 4, overall: { n: 3, matrix: [[2, 0], [1, 0]] } });
    expect((await api(`/v1/evaluators/${ev.id}/agreement/mapping`, { key, method: 'PUT', body: { human_key: '' } })).json.error.path).toBe('human_key');
  });

  it("answers 404 for another project's evaluator", async () => {
    const { ev } = await booleanSetup([[T, T]]);
    const other = await makeProject('other');
    const res = await api(`/v1/evaluators/${ev.id}/agreement`, { key: other.key });
    expect(res.status).toBe(404);
    expect((await api(`/v1/evaluators/${ev.id}/agreement/mapping`, { key: other.key, method: 'PUT', body: { human_key: 'x' } })).status).toBe(404);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await api('/v1/openapi.json');
    expect(doc.json.paths['/v1/evaluators/{id}/agreement'].get).toBeDefined();
  });

  it('answers through the MCP tool evaluator_agreement as markdown', async () => {
    const { key, ev } = await booleanSetup([[T, T], [T, F], [F, F]]);
    const transport = new StreamableHTTPClientTransport(new URL('http://loupe.test/mcp'), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    });
    const client = new Client({ name: 'loupe-test', version: '1.0.0' });
    await client.connect(transport);
    const r = (await client.callTool({ name: 'evaluator_agreement', arguments: { evaluator_id: ev.id } })) as CallToolResult;
    const text = (r.content[0] as { text: string }).text;
    expect(text).toContain('## Overall');
    expect(text).toContain('## Disagreements (1)');
    expect(text).toContain('- reviewer: true: person says true');
    const missing = (await client.callTool({ name: 'evaluator_agreement', arguments: { evaluator_id: 'nope' } })) as CallToolResult;
    expect(missing.isError).toBe(true);
    await client.close();
  });
});
