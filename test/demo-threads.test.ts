/**
 * The demo's chat threads (scripts/demo/taubench-turns.ts): tau-bench conversations split
 * into a trace per user turn. Posted through the API, one reads back as one thread whose
 * turns are the conversation's user messages in order, each answered by the assistant's
 * reply of that turn, with the end user's thumbs on the last turn.
 */
import { describe, it, expect } from 'vitest';
import demo from '../demo/taubench-airline.json';
import { api, eventually, makeProject } from './helpers.ts';
import { taubenchTurnThreads, turnThreadId, TURN_THREADS } from '../scripts/demo/taubench-turns.ts';
import type { TauBenchItem } from '../scripts/demo/taubench.ts';

const items = demo as unknown as TauBenchItem[];
const NOW = Date.UTC(2026, 11, 1);

describe('the demo chat threads', () => {
  it('read back as conversations turn by turn, in the order the customer spoke', async () => {
    const { key } = await makeProject('demo-threads');
    const { spans, feedback, threads } = taubenchTurnThreads(items, NOW);
    expect(threads).toBe(TURN_THREADS);
    for (let i = 0; i < spans.length; i += 500) expect((await api('/v1/spans', { key, body: { spans: spans.slice(i, i + 500) } })).status).toBe(202);
    for (const f of feedback) expect((await api('/v1/feedback', { key, body: f })).status).toBe(200);

    const item = items.find((it) => it.trial === 0 && it.reward >= 1)!;
    const users = item.traj.filter((m) => m.role === 'user').map((m) => m.content);
    const id = turnThreadId(item);
    const thread = await eventually(async () => {
      const res = await api(`/v1/threads/${id}`, { key });
      expect(res.status).toBe(200);
      expect(res.json.trace_count).toBe(users.length);
      return res.json;
    }, 20_000);
    expect(thread.turns.map((t: any) => t.input_preview)).toEqual(users.map((u) => u!.replace(/\s+/g, ' ').trim().slice(0, 300)));
    expect(thread.turns.every((t: any) => t.name === 'airline-chat')).toBe(true);
    expect(thread.turns.at(-1).feedback.thumbs).toEqual({ avg: item.reward >= 1 ? 1 : 0, count: 1 });
    const list = await eventually(async () => {
      const res = await api('/v1/threads?limit=50', { key });
      expect(res.json.threads).toHaveLength(TURN_THREADS);
      return res.json.threads;
    }, 20_000);
    expect(list.every((t: any) => t.trace_count > 1)).toBe(true);
    // Half solved (thumbs up on the last turn), half not.
    expect(feedback.map((f) => f.score).sort()).toEqual([0, 0, 0, 1, 1, 1]);
  });
});
