/**
 * A few tau-bench conversations as a chat app records them: one trace per user turn, the
 * turns of a conversation sharing a `session_id`, so `/threads` shows real multi-turn
 * conversations (the 200 whole-conversation traces stay as they are: datasets, insights
 * and tests are built on them). Each turn's LLM calls see the conversation so far, as a
 * chat agent's do; the root span's input is the new user message and its output the
 * assistant's last reply of the turn. Pure functions, erasable TypeScript only.
 */
import type { DemoFeedback, DemoSpan, TauBenchItem } from './taubench.ts';

/** Conversations shown turn by turn: first trials, half solved and half failed. */
export const TURN_THREADS = 6;

/** The session id of a conversation split into turns. */
export function turnThreadId(item: Pick<TauBenchItem, 'task_id' | 'trial'>): string {
  return `airline-chat-${item.task_id}-${item.trial}`;
}

function parseMaybeJson(text: string | null): unknown {
  if (text == null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The turns of one conversation as traces, starting at `start` (epoch ms), and the end
 * user's thumbs on the last turn (up when the task was solved).
 */
export function taubenchToTurns(item: TauBenchItem, start: number): { spans: DemoSpan[]; feedback: DemoFeedback[] } {
  const thread = turnThreadId(item);
  const traj = item.traj;
  const users = traj.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  const spans: DemoSpan[] = [];
  let t = start;
  let lastTrace = '';
  users.forEach((u, turn) => {
    const end = users[turn + 1] ?? traj.length;
    const traceId = `${thread}-turn-${turn + 1}`;
    const rootId = `${traceId}:root`;
    const turnStart = t;
    const children: DemoSpan[] = [];
    let reply: string | null = null;
    for (let i = u + 1; i < end; i++) {
      const m = traj[i];
      if (m.role !== 'assistant') continue;
      const llmStart = t;
      t += 700 + Math.round((m.content ?? JSON.stringify(m.tool_calls ?? '')).length * 12);
      children.push({ id: `${traceId}:llm-${i}`, trace_id: traceId, parent_id: rootId, name: 'chat gpt-4o', kind: 'llm', model: 'gpt-4o', start_time: llmStart, end_time: t, status: 'ok', input: { messages: traj.slice(0, i) }, output: m });
      if (m.content) reply = m.content;
      (m.tool_calls ?? []).forEach((call, k) => {
        const answer = traj.slice(i + 1, end).find((a) => a.role === 'tool' && a.tool_call_id === call.id)?.content ?? null;
        const toolStart = t;
        t += 80 + Math.round((answer?.length ?? 0) * 0.2);
        const failed = typeof answer === 'string' && answer.startsWith('Error');
        children.push({ id: `${traceId}:tool-${i}-${k + 1}`, trace_id: traceId, parent_id: rootId, name: call.function.name, kind: 'tool', start_time: toolStart, end_time: t, status: failed ? 'error' : 'ok', ...(failed ? { error: answer as string } : {}), input: parseMaybeJson(call.function.arguments), output: parseMaybeJson(answer) });
      });
    }
    spans.push(
      {
        id: rootId,
        trace_id: traceId,
        parent_id: null,
        name: 'airline-chat',
        kind: 'agent',
        start_time: turnStart,
        end_time: t,
        status: 'ok',
        input: { messages: [traj[u]] },
        output: reply == null ? null : { role: 'assistant', content: reply },
        tags: ['demo', 'airline', 'chat'],
        metadata: { benchmark: 'tau-bench', task_id: item.task_id, trial: item.trial, turn: turn + 1 },
        environment: 'production',
        release: 'gpt-4o-airline-v1',
        session_id: thread,
        user_id: item.info.task.user_id,
      },
      ...children,
    );
    lastTrace = traceId;
    t += 2000 + Math.round((traj[end]?.content?.length ?? 0) * 30); // the customer reads and types the next message
  });
  const feedback: DemoFeedback[] = lastTrace ? [{ id: `${thread}:thumbs`, trace_id: lastTrace, key: 'thumbs', score: item.reward >= 1 ? 1 : 0, source: 'user', comment: 'the customer, at the end of the chat' }] : [];
  return { spans, feedback };
}

/** TURN_THREADS first-trial conversations (the first solved and failed ones, alternating) as threads, spread over the last day before `now`. */
export function taubenchTurnThreads(items: TauBenchItem[], now: number): { spans: DemoSpan[]; feedback: DemoFeedback[]; threads: number } {
  const first = items.filter((it) => it.trial === 0);
  const solved = first.filter((it) => it.reward >= 1);
  const failed = first.filter((it) => it.reward < 1);
  const picked = Array.from({ length: TURN_THREADS }, (_, i) => (i % 2 ? solved : failed)[i >> 1]).filter((it) => it !== undefined);
  const spans: DemoSpan[] = [];
  const feedback: DemoFeedback[] = [];
  picked.forEach((item, i) => {
    const out = taubenchToTurns(item, now - 86_400_000 + i * 3 * 3_600_000);
    spans.push(...out.spans);
    feedback.push(...out.feedback);
  });
  return { spans, feedback, threads: picked.length };
}
