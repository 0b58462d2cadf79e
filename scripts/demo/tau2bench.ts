/**
 * Converts tau2-bench simulations (../shared/data/tau2bench/, MIT) into Loupe's native
 * spans and feedback, as scripts/demo/taubench.ts does for tau-bench: one trace per
 * simulation (an `agent` root, an `llm` span per assistant turn with its real tokens and
 * cost, a `tool` span per tool call, failed when the tool answered with an error), the
 * reward as feedback `outcome`, and the evaluation's verdict as evaluator feedback
 * `reward_check`: a text value naming the checks that failed and a comment with their
 * written reasons (database mismatch, expected actions not taken, information not
 * communicated, unmet assertions with the judge's justification). Pure functions, no I/O;
 * erasable TypeScript only (Node's type stripping).
 */
import type { DemoFeedback, DemoSpan } from './taubench.ts';

/** One tau2-bench results file. */
export interface Tau2File {
  info: { agent_info: { llm: string } };
  simulations: Tau2Simulation[];
}

interface Tau2ToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

interface Tau2Message {
  role: 'assistant' | 'user' | 'tool';
  content: string | null;
  tool_calls?: Tau2ToolCall[] | null;
  id?: string;
  error?: boolean;
  timestamp: string;
  cost?: number | null;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

/** One simulated conversation and its evaluation. */
export interface Tau2Simulation {
  id: string;
  task_id: string;
  trial: number;
  start_time: string;
  end_time: string;
  termination_reason: string;
  agent_cost: number;
  reward_info: {
    reward: number;
    db_check?: { db_match: boolean } | null;
    action_checks?: { action: { name: string; arguments: unknown }; action_match: boolean }[] | null;
    nl_assertions?: { nl_assertion: string; met: boolean; justification: string }[] | null;
    communicate_checks?: { info: string; met: boolean; justification: string }[] | null;
    reward_breakdown?: Record<string, number> | null;
  };
  messages: Tau2Message[];
}

/** A tau2 timestamp as epoch ms (they carry no zone; they are UTC). */
export const tau2Time = (iso: string) => Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);

/** The trace id of a simulation. */
export function tau2TraceId(domain: string, agent: string, sim: Pick<Tau2Simulation, 'task_id' | 'trial'>): string {
  return `tau2-${domain}-${agent}-${sim.task_id}-${sim.trial}`;
}

/** What the evaluation says failed: check names (the feedback value) and the reasons as sentences (the comment). */
export function tau2Verdict(sim: Tau2Simulation): { failed: string[]; reasons: string[] } {
  const r = sim.reward_info;
  const failed: string[] = [];
  const reasons: string[] = [];
  for (const [check, score] of Object.entries(r.reward_breakdown ?? {})) if (score < 1) failed.push(check.toLowerCase());
  if (r.db_check && !r.db_check.db_match) reasons.push('The final database does not match the expected one.');
  for (const a of r.action_checks ?? []) if (!a.action_match) reasons.push(`Expected action ${a.action.name} was not taken as required.`);
  for (const c of r.communicate_checks ?? []) if (!c.met) reasons.push(c.justification);
  for (const n of r.nl_assertions ?? []) if (!n.met) reasons.push(`${n.nl_assertion} ${n.justification}`);
  return { failed, reasons };
}

/**
 * Spans and feedback of one simulation; `agent` labels the agent (release), `model` is the
 * model it called. `shift` (ms) moves every timestamp by the same amount, durations intact.
 */
export function tau2ToTrace(sim: Tau2Simulation, domain: string, agent: string, model: string, shift = 0): { spans: DemoSpan[]; feedback: DemoFeedback[] } {
  const ms = (iso: string) => tau2Time(iso) + shift;
  const traceId = tau2TraceId(domain, agent, sim);
  const rootId = `${traceId}:root`;
  const spans: DemoSpan[] = [];
  const start = ms(sim.start_time);
  let previous = start;
  let llm = 0;
  const messages = sim.messages;
  const firstUser = messages.findIndex((m) => m.role === 'user');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const at = ms(m.timestamp);
    if (m.role === 'assistant') {
      llm++;
      const span: DemoSpan & { usage?: unknown } = {
        id: `${traceId}:llm-${llm}`,
        trace_id: traceId,
        parent_id: rootId,
        name: `chat ${model}`,
        kind: 'llm',
        model,
        start_time: Math.min(previous, at),
        end_time: at,
        status: 'ok',
        input: { messages: messages.slice(0, i).map(chatMessage) },
        output: chatMessage(m),
      };
      if (m.usage) span.usage = { input_tokens: m.usage.prompt_tokens, output_tokens: m.usage.completion_tokens, total_tokens: m.usage.prompt_tokens + m.usage.completion_tokens, cost_usd: m.cost ?? 0 };
      spans.push(span);
      let call = 0;
      for (const c of m.tool_calls ?? []) {
        const answer = messages.slice(i + 1).find((t) => t.role === 'tool' && t.id === c.id);
        const end = answer ? ms(answer.timestamp) : at;
        spans.push({
          id: `${traceId}:tool-${llm}-${++call}`,
          trace_id: traceId,
          parent_id: rootId,
          name: c.name,
          kind: 'tool',
          start_time: at,
          end_time: Math.max(at, end),
          status: answer?.error ? 'error' : 'ok',
          ...(answer?.error ? { error: String(answer.content ?? 'error') } : {}),
          input: c.arguments,
          output: answer?.content ?? null,
        });
      }
    }
    previous = at;
  }
  const lastAssistant = [...messages].reverse().find((m) => m.role === 'assistant' && m.content);
  spans.unshift({
    id: rootId,
    trace_id: traceId,
    parent_id: null,
    name: `${domain}-agent`,
    kind: 'agent',
    start_time: start,
    end_time: Math.max(ms(sim.end_time), ...spans.map((s) => s.end_time)),
    status: 'ok',
    input: { messages: messages.slice(0, firstUser + 1).map(chatMessage) },
    output: lastAssistant ? { role: 'assistant', content: lastAssistant.content } : null,
    tags: ['tau2-bench', domain],
    metadata: { benchmark: 'tau2-bench', domain, task_id: sim.task_id, trial: sim.trial, termination_reason: sim.termination_reason },
    environment: 'benchmark',
    release: agent,
    session_id: `${domain}-task-${sim.task_id}`,
  });
  const verdict = tau2Verdict(sim);
  const feedback: DemoFeedback[] = [
    { id: `${traceId}:outcome`, trace_id: traceId, key: 'outcome', score: sim.reward_info.reward >= 1 ? 1 : 0, source: 'api', comment: 'tau2-bench reward (1 = task solved)' },
  ];
  if (verdict.failed.length || verdict.reasons.length) {
    feedback.push({ id: `${traceId}:reward_check`, trace_id: traceId, key: 'reward_check', score: sim.reward_info.reward >= 1 ? 1 : 0, source: 'evaluator', value: verdict.failed.join(', ') || 'none', comment: verdict.reasons.join(' ') });
  }
  return { spans, feedback };
}

/** A tau2 message in OpenAI chat form (tool calls with JSON-string arguments, tool answers by id). */
function chatMessage(m: Tau2Message): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.id, content: m.content ?? '' };
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.tool_calls?.length) out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
  return out;
}
