/**
 * Converts tau-bench conversations into Loupe's native spans and feedback (see
 * demo/README.md for the mapping). Pure functions, no I/O: used by `npm start`, the
 * benchmarks and the tests. Runs under Node's type stripping, so erasable TypeScript only.
 */
import type { NormalizedSpan } from '../../schema/wire/span.ts';

/** One tau-bench result item. */
export interface TauBenchItem {
  task_id: number;
  trial: number;
  reward: number;
  info: { task: { user_id: string; instruction: string; actions: { name: string; kwargs: Record<string, unknown> }[]; outputs?: string[] } };
  traj: TauMessage[];
}

interface TauMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
}

/**
 * A native span as POST /v1/spans takes it (times in epoch ms), with the fields the demo
 * always sets. tau-bench records no token usage, so the demo's spans carry none.
 */
export type DemoSpan = Omit<NormalizedSpan, 'usage'> & Required<Pick<NormalizedSpan, 'name' | 'kind' | 'start_time' | 'end_time'>> & { parent_id: string | null };

/** Feedback as POST /v1/feedback takes it. */
export interface DemoFeedback {
  id: string;
  trace_id: string;
  key: string;
  score: number;
  source: string;
  comment?: string;
  /** A text answer (a rubric's category), as POST /v1/feedback's `value`. */
  value?: string;
}

/** The trace id of a conversation. */
export function taubenchTraceId(item: Pick<TauBenchItem, 'task_id' | 'trial'>): string {
  return `taubench-airline-${item.task_id}-${item.trial}`;
}

const DAY = 86_400_000;

/** Milliseconds a step "took": deterministic, growing with the text it produced. */
function stepMs(text: string | null | undefined, base: number, perChar: number): number {
  return Math.round(base + (text?.length ?? 0) * perChar);
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
 * Spans and feedback for conversation `index` of `count`, placed so the conversations
 * spread evenly over the 20 days before `now` (newest = highest index).
 */
export function taubenchToTrace(item: TauBenchItem, index: number, count: number, now: number): { spans: DemoSpan[]; feedback: DemoFeedback[] } {
  const traceId = taubenchTraceId(item);
  const rootId = `${traceId}:root`;
  const start = now - 20 * DAY + Math.round(((index + 0.5) / count) * 20 * DAY) - 3_600_000;
  const spans: DemoSpan[] = [];
  let t = start;
  let llmCount = 0;
  const traj = item.traj;
  const firstUser = traj.findIndex((m) => m.role === 'user');
  const consumedTools = new Set<number>();

  for (let i = 0; i < traj.length; i++) {
    const m = traj[i];
    if (m.role === 'user') {
      t += stepMs(m.content, 2000, 30); // the simulated customer reads and types
      continue;
    }
    if (m.role !== 'assistant') continue;
    const llmStart = t;
    t += stepMs(m.content ?? JSON.stringify(m.tool_calls ?? ''), 700, 12);
    llmCount++;
    const llmId = `${traceId}:llm-${llmCount}`;
    spans.push({
      id: llmId,
      trace_id: traceId,
      parent_id: rootId,
      name: 'chat gpt-4o',
      kind: 'llm',
      model: 'gpt-4o',
      start_time: llmStart,
      end_time: t,
      status: 'ok',
      input: { messages: traj.slice(0, i) },
      output: m,
    });
    let toolIndex = 0;
    for (const call of m.tool_calls ?? []) {
      // Tool-call ids are sometimes reused within a conversation, so match the first
      // unconsumed tool message after this turn with the same id.
      let answerAt = -1;
      for (let j = i + 1; j < traj.length && traj[j].role === 'tool'; j++) {
        if (!consumedTools.has(j) && traj[j].tool_call_id === call.id) {
          answerAt = j;
          break;
        }
      }
      if (answerAt >= 0) consumedTools.add(answerAt);
      const answer = answerAt >= 0 ? traj[answerAt].content : null;
      const toolStart = t;
      t += stepMs(answer, 80, 0.2);
      const failed = typeof answer === 'string' && answer.startsWith('Error');
      spans.push({
        id: `${traceId}:tool-${llmCount}-${++toolIndex}`,
        trace_id: traceId,
        parent_id: rootId,
        name: call.function.name,
        kind: 'tool',
        start_time: toolStart,
        end_time: t,
        status: failed ? 'error' : 'ok',
        ...(failed ? { error: answer as string } : {}),
        input: parseMaybeJson(call.function.arguments),
        output: parseMaybeJson(answer),
        metadata: { tool_call_id: call.id },
      });
    }
  }
  const lastAssistant = [...traj].reverse().find((m) => m.role === 'assistant' && m.content);
  spans.unshift({
    id: rootId,
    trace_id: traceId,
    parent_id: null,
    name: 'airline-agent',
    kind: 'agent',
    start_time: start,
    end_time: t,
    status: 'ok',
    input: { messages: traj.slice(0, firstUser + 1) },
    output: lastAssistant ? { role: 'assistant', content: lastAssistant.content } : null,
    tags: ['demo', 'tau-bench', 'airline'],
    // expected_actions: the task's ground-truth tool calls, where the "Expected tool calls" evaluator reads them (trace.metadata.expected_actions).
    metadata: { benchmark: 'tau-bench', domain: 'airline', task_id: item.task_id, trial: item.trial, user_instruction: item.info.task.instruction, expected_actions: item.info.task.actions },
    environment: 'production',
    release: 'gpt-4o-airline-v1',
    session_id: `task-${item.task_id}`,
    user_id: item.info.task.user_id,
  });
  const feedback: DemoFeedback[] = [
    { id: `${traceId}:outcome`, trace_id: traceId, key: 'outcome', score: item.reward >= 1 ? 1 : 0, source: 'api', comment: 'tau-bench reward (1 = task solved)' },
  ];
  return { spans, feedback };
}

/** Every conversation of the file as traces, oldest first. */
export function taubenchToTraces(items: TauBenchItem[], now: number): { spans: DemoSpan[]; feedback: DemoFeedback[] } {
  const spans: DemoSpan[] = [];
  const feedback: DemoFeedback[] = [];
  items.forEach((item, i) => {
    const t = taubenchToTrace(item, i, items.length, now);
    spans.push(...t.spans);
    feedback.push(...t.feedback);
  });
  return { spans, feedback };
}
