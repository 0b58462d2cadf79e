import { describe, it, expect } from 'vitest';
import { api, makeProject, span, eventually } from './helpers.ts';
import { searchTextOf } from '../workers/store/text.ts';

const POLICY = `You are an airline agent. ${'Follow the booking, change and refund policy exactly. '.repeat(90)}`;

describe('full-text search over chat conversations', () => {
  it("finds a user's late turn in a long conversation whose system prompt alone is longer than the indexed text", async () => {
    const { key } = await makeProject();
    const conversation = [
      { role: 'system', content: POLICY },
      { role: 'user', content: 'Hi, I need help with a booking.' },
      { role: 'assistant', content: 'Sure, what is your reservation code?' },
      { role: 'user', content: 'It is QZX81R and I want to cancel it because of a family emergency.' },
    ];
    expect(POLICY.length).toBeGreaterThan(4000);
    const res = await api('/v1/spans', {
      key,
      body: {
        spans: [
          span('root', 'chat-trace', { kind: 'agent', end_time: '2026-01-01T00:00:05Z', input: 'Hi, I need help with a booking.', output: 'Cancelled.' }),
          span('llm-3', 'chat-trace', { parent_id: 'root', kind: 'llm', model: 'gpt-4o', input: { messages: conversation }, output: { role: 'assistant', content: 'Let me look that up.' } }),
        ],
      },
    });
    expect(res.status).toBe(202);
    await eventually(async () => {
      const found = await api(`/v1/traces?q=${encodeURIComponent('QZX81R')}`, { key });
      expect(found.json.traces.map((t: any) => t.id)).toEqual(['chat-trace']);
    });
    const spans = await api(`/v1/spans?q=${encodeURIComponent('"family emergency"')}`, { key });
    expect(spans.status, spans.text).toBe(200);
    expect(spans.json.spans.map((s: any) => s.id)).toEqual(['llm-3']);
  });

  it('reads a chat newest turn first and the system prompt last, within the budget', () => {
    const text = searchTextOf({ messages: [{ role: 'system', content: 'S'.repeat(50) }, { role: 'user', content: 'first' }, { role: 'user', content: 'second' }] }, 30);
    // The budget (30 characters here) runs out before the system prompt's text.
    expect(text).toBe('user second user first system');
    // Not chat-shaped: read in order.
    expect(searchTextOf({ query: 'a', results: ['b', 'c'] })).toBe('a b c');
  });
});
