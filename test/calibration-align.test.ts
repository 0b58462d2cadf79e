/**
 * Aligning a draft judge against people (POST /v1/evaluators/{id}/align) and gating judge
 * changes on agreement (/v1/evaluators/{id}/gate), against the local fake provider.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, span } from './helpers.ts';
import { makeMember, login, asBrowser } from './account-helpers.ts';
import { createEvaluator, fakeOpenAiProvider, postSpans, received, scenarioId, script, waitForRun } from './evals-helpers.ts';
import { answerFor, human, judgeScore, markedTraces } from './calibration-helpers.ts';

const T = true;
const F = false;

/** A judge (relevance template) on scenario `sc`, six traces a0..a5 people labelled T T T F F F. */
async function labelledJudge(prefix: string) {
  const p = await makeProject();
  const sc = scenarioId('current');
  await script(sc, { steps: [], then: { verdict: { reasoning: 'always yes', verdict: true } } });
  const providerId = await fakeOpenAiProvider(p.key, sc);
  const ev = await createEvaluator(p.key, { template: 'relevance', config: { provider_id: providerId } });
  await markedTraces(p.key, prefix, 6);
  const people = [T, T, T, F, F, F];
  for (const [i, h] of people.entries()) await human(p.key, `${prefix}${i}`, 'relevance', { score: h, comment: `person: ${h}` });
  return { ...p, ev, sc, providerId, people };
}

/** A second provider whose answers are chosen per trace. */
async function draftProvider(key: string, answers: [string, boolean | 'malformed'][]) {
  const sc = scenarioId('draft');
  await script(sc, { steps: [], then: { verdict: { reasoning: 'fallback', verdict: true } }, match: answers.map(([t, v]) => answerFor(t, v)) });
  return { sc, providerId: await fakeOpenAiProvider(key, sc) };
}

async function feedbackCount(projectId: string, evaluatorId: string) {
  return (await env.DB.prepare("SELECT count(*) AS n FROM feedback WHERE project_id = ? AND evaluator_id = ? AND source = 'evaluator'").bind(projectId, evaluatorId).first<{ n: number }>())!.n;
}

describe('POST /v1/evaluators/{id}/align', () => {
  it("answers a draft's agreement beside the current version's and the verdicts that changed, writing no scores", async () => {
    const { key, projectId, ev } = await labelledJudge('a');
    // The current version said true everywhere: accuracy 3/6.
    for (let i = 0; i < 6; i++) await judgeScore(projectId, ev.id, 1, `a${i}`, 'relevance', 1, { comment: 'stored: true' });
    const draft = await draftProvider(key, [['a0', T], ['a1', T], ['a2', T], ['a3', F], ['a4', F], ['a5', 'malformed']]);
    const res = await api(`/v1/evaluators/${ev.id}/align`, { key, body: { draft: { config: { provider_id: draft.providerId } } } });
    expect(res.status).toBe(200);
    expect(res.json.items).toBe(6);
    expect(res.json.current).toMatchObject({ version: 1, rerun: 0, stats: { n: 6, accuracy: { value: 0.5 } }, errors: { count: 0 } });
    // The malformed answer is an error: neither agreement nor disagreement (n 5, accuracy 5/5).
    expect(res.json.draft.stats.n).toBe(5);
    expect(res.json.draft.stats.accuracy.value).toBe(1);
    expect(res.json.draft.errors).toMatchObject({ count: 1, by_code: { malformed_answer: 1 } });
    expect(res.json.draft.errors.examples[0].trace_id).toBe('a5');
    expect(res.json.changed_count).toBe(2);
    expect(res.json.changed.map((c: any) => c.trace_id).sort()).toEqual(['a3', 'a4']);
    expect(res.json.changed[0]).toMatchObject({ human: false, current: { label: true, reasoning: 'stored: true' }, draft: { label: false }, now_agrees: true });
    expect(res.json.gate).toBeNull();
    // Six draft calls, nothing written: no new scores, no run log, no judge traces.
    expect(await received(draft.sc)).toHaveLength(6);
    expect(await feedbackCount(projectId, ev.id)).toBe(6);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM eval_results WHERE project_id = ?').bind(projectId).first<{ n: number }>())!.n).toBe(0);
    expect((await api(`/v1/evaluators/${ev.id}`, { key })).json.version).toBe(1);
  });

  it('runs the current version on items it never scored, without writing them', async () => {
    const { key, projectId, ev, sc } = await labelledJudge('r');
    await judgeScore(projectId, ev.id, 1, 'r0', 'relevance', 1);
    const draft = await draftProvider(key, []);
    const res = await api(`/v1/evaluators/${ev.id}/align`, { key, body: { draft: { config: { provider_id: draft.providerId } } } });
    expect(res.status).toBe(200);
    expect(res.json.current.rerun).toBe(5);
    expect(res.json.current.stats.n).toBe(6);
    expect(await received(sc)).toHaveLength(5);
    expect(await feedbackCount(projectId, ev.id)).toBe(1);
  });

  it('refuses an empty set, a body with neither draft nor version, and an evaluator of another project', async () => {
    const { key } = await makeProject();
    const other = await makeProject('other');
    const sc = scenarioId('empty');
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    const empty = await api(`/v1/evaluators/${ev.id}/align`, { key, body: { draft: { config: { model: 'gpt-4o' } } } });
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatchObject({ code: 'empty_set', path: 'human_key' });
    expect(empty.json.error.message).toContain("'relevance'");
    const neither = await api(`/v1/evaluators/${ev.id}/align`, { key, body: {} });
    expect(neither.status).toBe(400);
    expect(neither.json.error.path).toBe('draft');
    const badDraft = await api(`/v1/evaluators/${ev.id}/align`, { key, body: { draft: { config: { provider_id: 'prv_nope' } } } });
    expect(badDraft.status).toBe(400);
    expect(badDraft.json.error.path).toBe('draft.config.provider_id');
    expect((await api(`/v1/evaluators/${ev.id}/align`, { key: other.key, body: { draft: {} } })).status).toBe(404);
    expect(await received(sc)).toHaveLength(0);
  });
});

describe('the agreement gate', () => {
  it('blocks a worse version (rules keep running the live one) and lets a better one through', async () => {
    const { key, projectId, ev } = await labelledJudge('g');
    for (let i = 0; i < 6; i++) await judgeScore(projectId, ev.id, 1, `g${i}`, 'relevance', i < 4 ? 1 : 0); // v1: 5 of 6
    const gate = await api(`/v1/evaluators/${ev.id}/gate`, { key, method: 'PUT', body: {} });
    expect(gate.status).toBe(200);
    expect(gate.json).toMatchObject({ metric: 'accuracy', live_version: 1, min_value: null });

    // v2 answers true everywhere: 3 of 6, worse.
    const worse = await draftProvider(key, []);
    expect((await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { config: { provider_id: worse.providerId } } })).json.version).toBe(2);
    const blocked = await api(`/v1/evaluators/${ev.id}/align`, { key, body: { version: 2 } });
    expect(blocked.status).toBe(200);
    expect(blocked.json.gate).toMatchObject({ action: 'blocked', live_version: 1, candidate_version: 2 });
    expect(blocked.json.gate.live_value).toBeCloseTo(5 / 6, 10);
    expect(blocked.json.gate.candidate_value).toBeCloseTo(0.5, 10);
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key })).json).toMatchObject({ live_version: 1, newest_version: 2, events: [{ action: 'blocked', version: 2 }] });

    // A rule still runs v1 (its provider says yes) while v2 is newest.
    const rule = await api('/v1/rules', { key, body: { name: 'gated', filter: 'name = "gated"', sampling_rate: 1, evaluator_ids: [ev.id] } });
    expect(rule.status).toBe(201);
    await postSpans(key, [span('root', 'live', { name: 'gated', kind: 'agent', input: 'hi', output: 'hello', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForRun(key, rule.json.id, 'online', (c) => c.scored === 1);
    const fb = (await api('/v1/traces/live', { key })).json.feedback.find((f: any) => f.source === 'evaluator');
    expect(fb.evaluator_version).toBe(1);

    // v3 agrees with people everywhere: promoted.
    const better = await draftProvider(key, [['g0', T], ['g1', T], ['g2', T], ['g3', F], ['g4', F], ['g5', F]]);
    expect((await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { config: { provider_id: better.providerId } } })).json.version).toBe(3);
    const promoted = await api(`/v1/evaluators/${ev.id}/align`, { key, body: { version: 3 } });
    expect(promoted.json.gate).toMatchObject({ action: 'promoted', live_version: 1, candidate_version: 3, candidate_value: 1 });
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key })).json.live_version).toBe(3);
  });

  it("lets a version at or above the user's threshold through even when below the live one", async () => {
    const { key, projectId, ev } = await labelledJudge('h');
    for (let i = 0; i < 6; i++) await judgeScore(projectId, ev.id, 1, `h${i}`, 'relevance', i < 3 ? 1 : 0); // v1: 6 of 6
    await api(`/v1/evaluators/${ev.id}/gate`, { key, method: 'PUT', body: { min_value: 0.8 } });
    const fiveOfSix = await draftProvider(key, [['h0', T], ['h1', T], ['h2', T], ['h3', T], ['h4', F], ['h5', F]]);
    await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { config: { provider_id: fiveOfSix.providerId } } });
    const res = await api(`/v1/evaluators/${ev.id}/align`, { key, body: { version: 2 } });
    expect(res.json.gate).toMatchObject({ action: 'promoted', live_value: 1, min_value: 0.8 });
    expect(res.json.gate.candidate_value).toBeCloseTo(5 / 6, 10);
  });

  it('lets only an owner override, with a reason that is kept', async () => {
    const { key, orgId, ev } = await labelledJudge('o');
    await api(`/v1/evaluators/${ev.id}/gate`, { key, method: 'PUT', body: {} });
    await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { description: 'v2' } });
    // An API key has no role; an admin is not an owner.
    const byKey = await api(`/v1/evaluators/${ev.id}/gate/override`, { key, body: { version: 2, reason: 'trust me' } });
    expect(byKey.status).toBe(403);
    const admin = await login((await makeMember(orgId, 'admin')).email);
    expect((await asBrowser(admin, `/v1/evaluators/${ev.id}/gate/override`, { body: { version: 2, reason: 'trust me' } })).status).toBe(403);
    const owner = await login((await makeMember(orgId, 'owner')).email);
    const noReason = await asBrowser(owner, `/v1/evaluators/${ev.id}/gate/override`, { body: { version: 2 } });
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.path).toBe('reason');
    const blank = await asBrowser(owner, `/v1/evaluators/${ev.id}/gate/override`, { body: { version: 2, reason: '  ' } });
    expect(blank.status).toBe(400);
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key })).json.live_version).toBe(1);
    const ok = await asBrowser(owner, `/v1/evaluators/${ev.id}/gate/override`, { body: { version: 2, reason: 'People relabelled; v2 prompt is the agreed policy' } });
    expect(ok.status).toBe(200);
    expect(ok.json.live_version).toBe(2);
    expect(ok.json.events[0]).toMatchObject({ action: 'override', from_version: 1, version: 2, reason: 'People relabelled; v2 prompt is the agreed policy', actor: owner.session.user.id });
  });

  it("refuses a metric that does not fit the evaluator, and another project's key", async () => {
    const { key, ev } = await labelledJudge('m');
    const other = await makeProject('other');
    const bad = await api(`/v1/evaluators/${ev.id}/gate`, { key, method: 'PUT', body: { metric: 'spearman' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('metric');
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key })).status).toBe(404);
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key: other.key, method: 'PUT', body: {} })).status).toBe(404);
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key, method: 'PUT', body: { metric: 'kappa' } })).json.metric).toBe('kappa');
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key: other.key })).status).toBe(404);
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key: other.key, method: 'DELETE' })).status).toBe(404);
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key, method: 'DELETE' })).status).toBe(204);
    expect((await api(`/v1/evaluators/${ev.id}/gate`, { key })).status).toBe(404);
  });
});
