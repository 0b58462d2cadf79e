/**
 * Thread rules: a rule with target `thread` evaluates a conversation (traces sharing a
 * session_id) once it has been idle, through the every-minute sweep (sweepIdleThreads,
 * called here with a chosen `now` so "ten minutes later" is instant). It fires once per
 * last turn, not before the idle time, again after a new turn; an LLM judge sees every turn.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject, span } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, fakeUrl, postSpans, received, scenarioId, script, waitForRun } from './evals-helpers.ts';
import { sweepIdleThreads } from '../workers/evals/threads.ts';
import { renderConversation } from '../schema/render/conversation.ts';

const MIN = 60_000;

async function rule(key: string, body: Record<string, unknown>) {
  const res = await api('/v1/rules', { key, body });
  if (res.status !== 201) throw new Error(`rule: ${res.status} ${res.text}`);
  return res.json;
}

/** One turn of a conversation: a root span with the user's words and the answer. */
function turn(thread: string | null, traceId: string, at: number, input: string, output: string, extra: Record<string, unknown> = {}) {
  return span(`${traceId}-root`, traceId, { kind: 'agent', name: 'support', session_id: thread, start_time: at, end_time: at + 1000, input, output, ...extra });
}

/** Posts spans and waits until every named trace is listed. */
async function post(key: string, spans: any[]) {
  await postSpans(key, spans);
  const ids = [...new Set(spans.map((s) => s.trace_id))];
  await eventually(async () => {
    for (const id of ids) if ((await api(`/v1/traces/${encodeURIComponent(id)}`, { key })).status !== 200) throw new Error(`${id} not indexed`);
  });
}

/** Rows of the rule's thread ledger: one per (thread, last turn) that fired. */
async function ledger(projectId: string, ruleId: string) {
  const { results } = await env.DB.prepare("SELECT trace_id FROM eval_matches WHERE project_id = ? AND rule_id = ? AND run_id = 'thread' ORDER BY created_at, trace_id").bind(projectId, ruleId).all<{ trace_id: string }>();
  return results.map((r) => r.trace_id);
}

describe('thread rules', () => {
  it('are validated: target, idle_minutes, no dataset action, no backfill', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const bad = async (body: Record<string, unknown>, path: string) => {
      const res = await api('/v1/rules', { key, body: { name: 'r', evaluator_ids: [ev.id], ...body } });
      expect(res.status, res.text).toBe(400);
      expect(res.json.error.path).toBe(path);
    };
    await bad({ target: 'conversation' }, 'target');
    await bad({ target: 'thread', idle_minutes: 0 }, 'idle_minutes');
    await bad({ target: 'thread', idle_minutes: 2.5 }, 'idle_minutes');
    await bad({ target: 'thread', idle_minutes: 7 * 24 * 60 + 1 }, 'idle_minutes');
    await bad({ idle_minutes: 10 }, 'idle_minutes');
    await bad({ target: 'thread', add_to_dataset: 'anything' }, 'add_to_dataset');

    const r = await rule(key, { name: 'threads', target: 'thread', evaluator_ids: [ev.id] });
    expect(r).toMatchObject({ target: 'thread', idle_minutes: 30 });
    expect((await api(`/v1/rules/${r.id}`, { key })).json).toMatchObject({ target: 'thread', idle_minutes: 30 });
    const patched = await api(`/v1/rules/${r.id}`, { key, method: 'PATCH', body: { idle_minutes: 5 } });
    expect(patched.json).toMatchObject({ idle_minutes: 5 });
    expect((await api(`/v1/rules/${r.id}`, { key, method: 'PATCH', body: { target: 'trace' } })).status).toBe(400);
    const backfill = await api(`/v1/rules/${r.id}/backfill`, { key, body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } });
    expect(backfill.status).toBe(400);
    expect(backfill.json.error.message).toContain('thread rule');
    expect((await api(`/v1/rules/${r.id}/runs`, { key })).json.runs.map((x: any) => x.id)).toEqual(['thread']);

    const traceRule = await rule(key, { name: 'traces', evaluator_ids: [ev.id] });
    expect(traceRule).toMatchObject({ target: 'trace', idle_minutes: null });
    const wrong = await api(`/v1/rules/${traceRule.id}`, { key, method: 'PATCH', body: { idle_minutes: 5 } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.path).toBe('idle_minutes');
  });

  it('evaluate an idle thread once, not before it is idle, and again after a new turn', async () => {
    const { key, projectId } = await makeProject();
    const other = await makeProject('other');
    const ev = await createEvaluator(key, { template: 'error_free' });
    const r = await rule(key, { name: 'idle threads', target: 'thread', idle_minutes: 10, filter: 'env=production', evaluator_ids: [ev.id] });
    const t0 = Date.now();
    await post(key, [
      turn('conv-1', 'c1-t1', t0 - 3 * MIN, 'I need to change my flight', 'To which date?', { environment: 'production' }),
      turn('conv-1', 'c1-t2', t0 - 2 * MIN, 'Friday', 'Which flight number?'),
      turn('conv-1', 'c1-t3', t0 - 1 * MIN, 'AF123', 'Changed to Friday.'),
      // No trace of it matches the rule's filter.
      turn('conv-staging', 's-t1', t0 - 2 * MIN, 'hi', 'hello', { environment: 'staging' }),
      // Not a thread at all.
      turn(null, 'lone', t0 - 2 * MIN, 'hi', 'hello', { environment: 'production' }),
    ]);
    // The same session id in another project is not this project's thread.
    await post(other.key, [turn('conv-1', 'o-t1', t0 - 3 * MIN, 'other', 'other', { environment: 'production' })]);

    // Five minutes after the last turn: not idle yet.
    await sweepIdleThreads(env, t0 + 4 * MIN);
    expect(await ledger(projectId, r.id)).toEqual([]);

    // Eleven minutes after it: idle. The sweep runs twice (every minute); it fires once.
    await sweepIdleThreads(env, t0 + 10 * MIN);
    await sweepIdleThreads(env, t0 + 11 * MIN);
    expect(await ledger(projectId, r.id)).toEqual(['c1-t3']);
    expect(await ledger(other.projectId, r.id)).toEqual([]);
    await waitForRun(key, r.id, 'thread', (c) => c.scored === 1);

    // The score lands on the thread's last turn, naming the thread.
    const last = (await api('/v1/traces/c1-t3', { key })).json;
    const score = last.feedback.find((f: any) => f.key === ev.key);
    expect(score).toMatchObject({ source: 'evaluator', score: 1, evaluator_id: ev.id, metadata: { thread_id: 'conv-1', rule_id: r.id, run_id: 'thread' } });
    const thread = (await api('/v1/threads/conv-1', { key })).json;
    expect(thread.thread_feedback.map((f: any) => [f.trace_id, f.key])).toEqual([['c1-t3', ev.key]]);
    expect((await api('/v1/traces/c1-t1', { key })).json.feedback).toEqual([]);

    // A new turn: not evaluated until it too has been idle, then once more.
    await post(key, [turn('conv-1', 'c1-t4', t0 + 12 * MIN, 'Also a window seat', 'Seat 12A is yours.')]);
    await sweepIdleThreads(env, t0 + 15 * MIN);
    expect(await ledger(projectId, r.id)).toEqual(['c1-t3']);
    await sweepIdleThreads(env, t0 + 23 * MIN);
    await sweepIdleThreads(env, t0 + 24 * MIN);
    expect(await ledger(projectId, r.id)).toEqual(['c1-t3', 'c1-t4']);
    await waitForRun(key, r.id, 'thread', (c) => c.scored === 2);
    const again = (await api('/v1/threads/conv-1', { key })).json;
    expect(again.thread_feedback.map((f: any) => f.trace_id)).toEqual(['c1-t4', 'c1-t3']);
  });

  it('do not fire while paused, nor for a deleted rule', async () => {
    const { key, projectId } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const r = await rule(key, { name: 'paused', target: 'thread', idle_minutes: 1, evaluator_ids: [ev.id], active: false });
    const t0 = Date.now();
    await post(key, [turn('conv-p', 'p-t1', t0, 'hello', 'hi')]);
    await sweepIdleThreads(env, t0 + 5 * MIN);
    expect(await ledger(projectId, r.id)).toEqual([]);
    await api(`/v1/rules/${r.id}`, { key, method: 'DELETE' });
    await sweepIdleThreads(env, t0 + 6 * MIN);
    expect(await ledger(projectId, r.id)).toEqual([]);
  });

  it('give an LLM judge the whole conversation, every turn in order', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('thread-judge');
    await script(sc, { steps: [{ verdict: { reasoning: 'The flight was changed as asked.', verdict: true } }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { template: 'conversation_resolved', config: { provider_id: providerId } });
    const r = await rule(key, { name: 'judge threads', target: 'thread', idle_minutes: 5, evaluator_ids: [ev.id] });
    const t0 = Date.now();
    await post(key, [
      turn('conv-j', 'j1', t0 - 3 * MIN, 'FIRST: I need to change my flight', 'REPLY-1: to which date?'),
      // A chat-shaped turn: the input repeats the history; the turn's own words are its newest user message.
      span('j2-root', 'j2', {
        kind: 'llm',
        session_id: 'conv-j',
        start_time: t0 - 2 * MIN,
        end_time: t0 - 2 * MIN + 500,
        input: { messages: [{ role: 'user', content: 'FIRST: I need to change my flight' }, { role: 'assistant', content: 'REPLY-1: to which date?' }, { role: 'user', content: 'SECOND: next Friday' }] },
        output: { role: 'assistant', content: 'REPLY-2: which flight number?' },
      }),
      turn('conv-j', 'j3', t0 - 1 * MIN, 'THIRD: AF123', 'REPLY-3: changed to Friday'),
    ]);
    await sweepIdleThreads(env, t0 + 5 * MIN);
    await waitForRun(key, r.id, 'thread', (c) => c.scored === 1);
    const [req] = await received(sc);
    const prompt = req.body.messages.map((m: any) => m.content).join('\n');
    const order = ['FIRST', 'REPLY-1', 'SECOND', 'REPLY-2', 'THIRD', 'REPLY-3'].map((w) => prompt.indexOf(w));
    expect(order.every((i) => i >= 0), prompt).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(prompt).toContain('Turn 1 of 3');
    expect(prompt).toContain('Turn 3 of 3');
    // The history repeated in turn 2's input is not shown twice.
    expect(prompt.split('FIRST').length - 1).toBe(1);
    const score = (await api('/v1/traces/j3', { key })).json.feedback.find((f: any) => f.key === 'conversation_resolved');
    expect(score).toMatchObject({ score: 1, value: true, comment: 'The flight was changed as asked.', metadata: { thread_id: 'conv-j' } });
  });
});

describe('thread rules with a webhook evaluator', () => {
  it('POST the whole conversation, not only its last turn', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('thread-hook');
    await script(sc, { steps: [{ body: { score: 0.5, comment: 'resolved late' } }] });
    const ev = await createEvaluator(key, { name: 'house thread judge', key: 'house_thread', config: { type: 'webhook', url: `${fakeUrl()}/s/${sc}/hook` } });
    const r = await rule(key, { name: 'hook threads', target: 'thread', idle_minutes: 5, evaluator_ids: [ev.id] });
    const t0 = Date.now();
    await post(key, [
      turn('conv-w', 'w1', t0 - 3 * MIN, 'ASK-1 change my seat', 'ANS-1 which flight?'),
      turn('conv-w', 'w2', t0 - 2 * MIN, 'ASK-2 AF123', 'ANS-2 done'),
    ]);
    await sweepIdleThreads(env, t0 + 5 * MIN);
    await waitForRun(key, r.id, 'thread', (c) => c.scored === 1);
    const [req] = await received(sc);
    expect(req.body.trace.id).toBe('w2');
    expect(req.body.thread).toMatchObject({ id: 'conv-w', total_turns: 2 });
    expect(req.body.thread.turns.map((t: any) => [t.trace_id, t.input, t.output])).toEqual([
      ['w1', 'ASK-1 change my seat', 'ANS-1 which flight?'],
      ['w2', 'ASK-2 AF123', 'ANS-2 done'],
    ]);
    const score = (await api('/v1/traces/w2', { key })).json.feedback.find((f: any) => f.key === 'house_thread');
    expect(score).toMatchObject({ score: 0.5, comment: 'resolved late', metadata: { thread_id: 'conv-w' } });
  });
});

describe('the conversation a judge reads', () => {
  const turns = Array.from({ length: 40 }, (_, i) => ({ trace_id: `t${i + 1}`, start_time: null, name: null, input: `question ${i + 1} ${'x'.repeat(400)}`, output: `answer ${i + 1} ${'y'.repeat(400)}` }));

  it('keeps every turn whole when it fits the budget', () => {
    const text = renderConversation(turns.slice(0, 3), { maxTokens: 4000 });
    expect(text).toContain(`question 1 ${'x'.repeat(400)}`);
    expect(text).toContain('Turn 3 of 3');
  });

  it('stays within the budget by shortening values, then folding middle turns, keeping the first and the latest', () => {
    for (const budget of [200, 1000, 3000]) {
      const text = renderConversation(turns, { maxTokens: budget });
      expect(Math.ceil(text.length / 4), `budget ${budget}`).toBeLessThanOrEqual(budget);
      if (budget === 1000) {
        expect(text).toContain('Turn 1 of 40');
        expect(text).toContain('Turn 40 of 40');
        expect(text).toMatch(/turns 2–\d+ folded to fit the budget/);
      }
      // Shortened values leave room for every turn.
      if (budget === 3000) expect(text).toContain('Turn 20 of 40');
    }
  });

  it('says when only the latest turns were loaded', () => {
    const text = renderConversation(turns.slice(30), { maxTokens: 100_000, totalTurns: 240 });
    expect(text).toContain('[the first 230 of 240 turns are not shown]');
    expect(text).toContain('Turn 231 of 240');
  });
});
