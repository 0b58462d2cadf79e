import { describe, it, expect } from 'vitest';
import { treeFromSpans } from '../../../scripts/demo/taubench-tree.ts';
import type { NormalizedSpan as PlainSpan } from '../../../schema/wire/span.ts';
import { fixtureSummaries } from '../../../test/insights-helpers.ts';
import { summarizeTrace, MAX_REQUEST_CHARS, MAX_TOOL_CALLS, MAX_REVIEWER_TEXTS, MAX_REVIEWER_TEXT_CHARS } from './summary.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const span = (s: Partial<PlainSpan> & { id: string }): PlainSpan => ({ trace_id: 't1', start_time: T0, end_time: T0 + 10, status: 'ok', ...s });

describe('trace summaries', () => {
  it('take the request from the first user message, and from the later user turns when it is thin', () => {
    const [first] = fixtureSummaries();
    expect(first.request.startsWith("Hi! I'm looking to book a flight from New York to Seattle on May 20th.")).toBe(true);
    // That first message is 14 words: thin, so the customer's later turns are read too.
    expect(first.requestSource).toBe('conversation');
    expect(first.request).toContain('my user ID is mia_li_3668');
    expect(first).toMatchObject({ models: ['gpt-4o'], release: 'gpt-4o-airline-v1', environment: 'production', ending: 'reply', failed: true, error: true, errorSpans: ['book_reservation'] });
    expect(first.tags).toEqual(['demo', 'tau-bench', 'airline']);
  });

  it('read a plain root input when there is no chat', () => {
    const tree = treeFromSpans([span({ id: 'r', kind: 'chain', input: { question: 'How do I reset my router password after a firmware update?' }, output: 'Hold the button.' })]);
    expect(summarizeTrace(tree, { failed: false })).toMatchObject({ request: 'How do I reset my router password after a firmware update?', requestSource: 'root_input', tools: [], toolSource: 'none', steps: 0 });
  });

  it('keep a trace with no user input, with an empty request', () => {
    const tree = treeFromSpans([span({ id: 'r', kind: 'agent', output: 'nightly job done' }), span({ id: 'c', parent_id: 'r', kind: 'tool', name: 'cleanup' })]);
    const s = summarizeTrace(tree, { failed: true });
    expect(s).toMatchObject({ id: 't1', request: '', requestSource: 'none', failed: true, ending: 'tool:cleanup' });
    expect(s.tools.map((t) => t.name)).toEqual(['cleanup']);
  });

  it('find tool calls in LLM output messages when the agent traced no tool spans', () => {
    const tree = treeFromSpans([
      span({ id: 'r', kind: 'agent', input: [{ role: 'user', content: 'weather in Paris and in Rome tomorrow please' }] }),
      span({ id: 'l', parent_id: 'r', kind: 'llm', model: 'claude-x', output: { role: 'assistant', content: [{ type: 'tool_use', id: 'u1', name: 'get_weather', input: { city: 'Paris' } }, { type: 'tool_use', id: 'u2', name: 'get_weather', input: { city: 'Rome' } }] } }),
    ]);
    const s = summarizeTrace(tree, { failed: false });
    expect(s.toolSource).toBe('messages');
    expect(s.tools.map((t) => t.name)).toEqual(['get_weather', 'get_weather']);
    // Different arguments: not the same call repeated.
    expect(s.tools[0].args).not.toBe(s.tools[1].args);
    expect(s.ending).toBe('tool_request:get_weather');
  });

  it('stay small for huge inputs: long text, thousands of calls, long reviews and metadata are cut', () => {
    const huge = 'refund '.repeat(500_000); // 3.5 MB of request
    const spans: PlainSpan[] = [span({ id: 'r', kind: 'agent', input: { messages: [{ role: 'user', content: huge }] }, metadata: { tier: 'gold', blob: 'x'.repeat(10_000), nested: { a: 1 } } })];
    for (let i = 0; i < 3000; i++) spans.push(span({ id: `t${i}`, parent_id: 'r', kind: 'tool', name: `tool_${i % 7}`, start_time: T0 + i, input: { i } }));
    const feedback = Array.from({ length: 40 }, (_, i) => ({ id: `f${i}`, trace_id: 't1', key: 'review', score: 0, source: 'human', comment: 'c'.repeat(50_000) }));
    const s = summarizeTrace(treeFromSpans(spans, feedback), { failed: true });
    expect(s.request.length).toBeLessThanOrEqual(MAX_REQUEST_CHARS);
    expect(s.tools.length).toBe(MAX_TOOL_CALLS);
    expect(s.reviewerTexts.length).toBe(MAX_REVIEWER_TEXTS);
    expect(Math.max(...s.reviewerTexts.map((t) => t.length))).toBeLessThanOrEqual(MAX_REVIEWER_TEXT_CHARS);
    // Long and nested metadata values are payloads, not categories.
    expect(s.metadata).toEqual({ tier: 'gold' });
    expect(JSON.stringify(s).length).toBeLessThan(60_000);
  });
});
