/**
 * Code checks as table tests on real trajectories: tau-bench airline conversations
 * (demo/taubench-airline.json), whose `info.task.actions` are the tool calls each
 * conversation should have made. Expected outcomes were worked out independently from the
 * raw conversations (tool calls of the assistant messages), not with the code under test.
 */
import { describe, it, expect } from 'vitest';
import { CodeCheck } from '../schema/wire/evaluators.ts';
import { runCodeCheck } from '../workers/evals/checks.ts';
import { EvalError } from '../workers/evals/errors.ts';
import { readSource } from '../schema/values/read.ts';
import { tauSpans, treeFromSpans, TAU } from './evals-helpers.ts';
import { weatherChat, type ChatDialect } from './fixtures/chats.ts';

const tree = (i: number) => treeFromSpans(tauSpans(i, Date.UTC(2026, 0, 1)));
const check = (config: Record<string, unknown>) => CodeCheck.parse({ type: 'code', ...config });
const score = (i: number, config: Record<string, unknown>) => runCodeCheck(check(config), { tree: tree(i), span: null }).score;
const expected = { expected_from: 'trace.metadata.expected_actions' };

// conversation index -> facts read off the raw tau-bench data.
const TABLE = [
  { i: 0, superset_exact: 0, superset_names: 1, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 1, no_transfer: 1, within10: 1, error_free: 0 },
  { i: 1, superset_exact: 0, superset_names: 0, subset_names: 1, strict_names: 0, unordered_names: 0, get_user: 0, no_transfer: 1, within10: 1, error_free: 1 },
  { i: 2, superset_exact: 0, superset_names: 0, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 1, no_transfer: 1, within10: 1, error_free: 1 },
  { i: 6, superset_exact: 1, superset_names: 1, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 1, no_transfer: 1, within10: 1, error_free: 1 },
  { i: 7, superset_exact: 0, superset_names: 1, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 1, no_transfer: 1, within10: 1, error_free: 1 },
  { i: 11, superset_exact: 1, superset_names: 1, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 1, no_transfer: 1, within10: 1, error_free: 0 },
  { i: 15, superset_exact: 1, superset_names: 1, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 0, no_transfer: 1, within10: 1, error_free: 0 },
  { i: 20, superset_exact: 1, superset_names: 1, subset_names: 1, strict_names: 1, unordered_names: 1, get_user: 0, no_transfer: 1, within10: 1, error_free: 1 },
  { i: 33, superset_exact: 0, superset_names: 0, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 1, no_transfer: 1, within10: 0, error_free: 1 },
  { i: 60, superset_exact: 0, superset_names: 0, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 0, no_transfer: 0, within10: 1, error_free: 1 },
  { i: 150, superset_exact: 0, superset_names: 1, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 1, no_transfer: 1, within10: 0, error_free: 0 },
  { i: 199, superset_exact: 1, superset_names: 1, subset_names: 0, strict_names: 0, unordered_names: 0, get_user: 0, no_transfer: 0, within10: 1, error_free: 1 },
];

describe('trajectory checks on tau-bench conversations', () => {
  it.each(TABLE)('conversation $i: the expected tool calls are judged in every sequence mode', (row) => {
    expect(score(row.i, { check: 'tool_sequence', ...expected, mode: 'superset', args_match: 'exact' })).toBe(row.superset_exact);
    expect(score(row.i, { check: 'tool_sequence', ...expected, mode: 'superset' })).toBe(row.superset_names);
    expect(score(row.i, { check: 'tool_sequence', ...expected, mode: 'subset' })).toBe(row.subset_names);
    expect(score(row.i, { check: 'tool_sequence', ...expected, mode: 'strict' })).toBe(row.strict_names);
    expect(score(row.i, { check: 'tool_sequence', ...expected, mode: 'unordered' })).toBe(row.unordered_names);
  });

  it.each(TABLE)('conversation $i: tool (not) called, step limit and error-free agree with the raw data', (row) => {
    expect(score(row.i, { check: 'tool_called', tool: 'get_user_details' })).toBe(row.get_user);
    expect(score(row.i, { check: 'tool_not_called', tool: 'transfer_to_human_agents' })).toBe(row.no_transfer);
    expect(score(row.i, { check: 'step_limit', max_tool_calls: 10 })).toBe(row.within10);
    expect(score(row.i, { check: 'error_free' })).toBe(row.error_free);
  });

  it('superset with exact arguments passes most solved conversations and fails most unsolved ones', () => {
    let agree = 0;
    for (let i = 0; i < TAU.length; i++) {
      const s = score(i, { check: 'tool_sequence', ...expected, mode: 'superset', args_match: 'exact' });
      if ((s === 1) === (TAU[i].reward >= 1)) agree++;
    }
    // 57 solved conversations made every expected call and 97 unsolved ones missed one (checked in Python).
    expect(agree).toBe(57 + 97);
  });

  it('argument matching: a JSON subset of the arguments matches, a wrong value does not', () => {
    // Conversation 6 updates reservation flights; the expected call's arguments are known.
    const action = TAU[6].info.task.actions[0];
    const args = action.kwargs as Record<string, unknown>;
    const partial = { reservation_id: args.reservation_id };
    expect(score(6, { check: 'tool_called', tool: action.name, args: partial, args_match: 'subset' })).toBe(1);
    expect(score(6, { check: 'tool_called', tool: action.name, args: partial, args_match: 'exact' })).toBe(0);
    expect(score(6, { check: 'tool_called', tool: action.name, args: { ...partial, cabin: 'first' }, args_match: 'subset' })).toBe(0);
    expect(score(6, { check: 'tool_sequence', expected: [{ name: action.name, args: partial }], mode: 'superset', args_match: 'subset' })).toBe(1);
  });

  it('loop detection flags the same call with the same arguments repeated', () => {
    // Conversation 109 books the same reservation 4 times, 13 repeats an update 3 times (twice in a row).
    expect(score(109, { check: 'no_loops', max_identical_calls: 3 })).toBe(0);
    expect(score(109, { check: 'no_loops', max_identical_calls: 4 })).toBe(1);
    expect(score(13, { check: 'no_loops' })).toBe(0);
    expect(score(13, { check: 'no_loops', consecutive_only: true })).toBe(1);
    expect(score(13, { check: 'no_loops', max_identical_calls: 1, consecutive_only: true })).toBe(0);
    expect(score(6, { check: 'no_loops' })).toBe(1);
  });

  it('a comment says why a sequence failed', () => {
    const v = runCodeCheck(check({ check: 'tool_sequence', ...expected, mode: 'superset', args_match: 'exact' }), { tree: tree(2), span: null });
    expect(v.comment).toMatch(/^superset: missing update_reservation_flights/);
  });

  it('a trace without the expected calls is an evaluator error, not a score', () => {
    const t = tree(6);
    t.trace.metadata = {};
    expect(() => runCodeCheck(check({ check: 'tool_sequence', ...expected }), { tree: t, span: null })).toThrow(EvalError);
  });
});

describe('trajectory checks on agents that trace only their LLM calls', () => {
  const DIALECTS: ChatDialect[] = ['gemini', 'langchain', 'openai', 'openai_completion', 'anthropic'];
  const weather = (dialect: ChatDialect) => ({ tree: treeFromSpans(weatherChat(dialect, `weather-${dialect}`)), span: null });
  const run = (dialect: ChatDialect, config: Record<string, unknown>) => runCodeCheck(check(config), weather(dialect)).score;

  it.each(DIALECTS)('finds the tool call a %s model asked for, with its arguments', (dialect) => {
    expect(run(dialect, { check: 'tool_called', tool: 'get_weather', args: { city: 'Paris' } })).toBe(1);
    expect(run(dialect, { check: 'tool_called', tool: 'get_weather', args: { city: 'Rome' } })).toBe(0);
    expect(run(dialect, { check: 'tool_not_called', tool: 'get_weather' })).toBe(0);
    expect(run(dialect, { check: 'tool_sequence', expected: [{ name: 'get_weather', args: { city: 'Paris' } }], mode: 'strict', args_match: 'exact' })).toBe(1);
    expect(run(dialect, { check: 'step_limit', max_tool_calls: 0 })).toBe(0);
  });

  it.each(DIALECTS)("shows a judge the %s model's tool call in the trajectory variable", (dialect) => {
    const text = readSource(weather(dialect), 'trajectory') as string;
    expect(text).toContain('- assistant: → calls get_weather({"city":"Paris"})');
    expect(text).toContain('- tool result (get_weather): {"temperature_c":18,"sky":"sunny"}');
  });
});

describe('value checks', () => {
  const simple = (output: unknown, extra: Record<string, unknown> = {}) =>
    treeFromSpans([{ id: 'r', trace_id: 't', name: 'agent', kind: 'agent', start_time: 0, end_time: 1500, status: 'ok', input: 'q', output, metadata: { reference: 'Paris', ...extra }, usage: { total_tokens: 900, cost_usd: 0.02 } }]);
  const run = (output: unknown, config: Record<string, unknown>) => runCodeCheck(check(config), { tree: simple(output), span: null });

  it.each([
    ['exact match against a literal', 'Paris', { check: 'exact_match', expected: 'Paris' }, 1],
    ['exact match is case-sensitive by default', 'paris', { check: 'exact_match', expected: 'Paris' }, 0],
    ['exact match case-insensitive when asked', 'paris ', { check: 'exact_match', expected: 'Paris', case_sensitive: false }, 1],
    ['exact match against the trace reference', 'Paris', { check: 'exact_match', expected_from: 'trace.metadata.reference' }, 1],
    ['JSON equality ignores key order and parses JSON text', '{"b":2,"a":[1,{"c":true}]}', { check: 'json_equal', expected: { a: [1, { c: true }], b: 2 } }, 1],
    ['JSON equality sees a different value', '{"a":1}', { check: 'json_equal', expected: { a: 2 } }, 0],
    ['JSON validity of JSON text', '{"ok": true}', { check: 'json_valid' }, 1],
    ['JSON validity of broken text', '{"ok": tru', { check: 'json_valid' }, 0],
    ['JSON Schema valid', { answer: 'Paris', confidence: 0.9 }, { check: 'json_schema', schema: { type: 'object', required: ['answer'], properties: { confidence: { type: 'number', maximum: 1 } } } }, 1],
    ['JSON Schema invalid', { confidence: 2 }, { check: 'json_schema', schema: { type: 'object', required: ['answer'], properties: { confidence: { type: 'number', maximum: 1 } } } }, 0],
    ['regex', 'Order #A123 confirmed', { check: 'regex', pattern: '#[A-Z]\\d{3}' }, 1],
    ['contains any', 'The capital is Paris.', { check: 'contains', text: ['Lyon', 'Paris'] }, 1],
    ['contains all', 'The capital is Paris.', { check: 'contains', text: ['Lyon', 'Paris'], mode: 'all' }, 0],
    ['not contains', 'I cannot help with that', { check: 'not_contains', text: ['cannot help', 'as an AI'], case_sensitive: false }, 0],
    ['length within bounds', 'Paris', { check: 'length', min: 1, max: 10 }, 1],
    ['length over the bound', 'Paris is the capital of France', { check: 'length', max: 10 }, 0],
    ['latency threshold', 'x', { check: 'latency', max_ms: 1000 }, 0],
    ['token threshold', 'x', { check: 'tokens', max: 1000 }, 1],
    ['cost threshold', 'x', { check: 'cost', max_usd: 0.01 }, 0],
    ['an LLM message output is read as its text', { role: 'assistant', content: 'Paris' }, { check: 'exact_match', expected: 'Paris' }, 1],
  ])('%s', (_name, output, config, expectedScore) => {
    expect(run(output, config as Record<string, unknown>).score).toBe(expectedScore);
  });

  it('a missing reference is an error, never a score', () => {
    const t = treeFromSpans([{ id: 'r', trace_id: 't', kind: 'agent', start_time: 0, output: 'Paris' }]);
    expect(() => runCodeCheck(check({ check: 'exact_match', expected_from: 'trace.metadata.reference' }), { tree: t, span: null })).toThrow(/no trace.metadata.reference/);
  });
});

describe('literal expected tool calls', () => {
  it('accept {name, args|kwargs|arguments} as calls read from metadata do', () => {
    const actions = (TAU[6] as any).info.task.actions as { name: string; kwargs: unknown }[];
    expect(actions[0]).toHaveProperty('kwargs');
    const asArguments = actions.map((a) => ({ name: a.name, arguments: a.kwargs }));
    for (const literal of [actions, asArguments]) expect(score(6, { check: 'tool_sequence', expected: literal, mode: 'superset', args_match: 'exact' })).toBe(TABLE.find((r) => r.i === 6)!.superset_exact);
    const twice = CodeCheck.safeParse({ type: 'code', check: 'tool_sequence', expected: [{ name: 'x', args: {}, kwargs: {} }] });
    expect(twice.success).toBe(false);
    expect(twice.error!.issues[0].message).toContain('args, kwargs or arguments');
  });
});
