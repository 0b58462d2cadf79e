import { describe, it, expect } from 'vitest';
import { toConversation } from './messages.ts';

describe('recognising conversations in span payloads', () => {
  it('reads OpenAI chat messages with tool calls and names tool results after their call', () => {
    const conv = toConversation({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Where is my refund?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_order', arguments: '{"order_id":"o-9"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"status":"refunded"}' },
      ],
    });
    expect(conv).toEqual([
      { role: 'system', name: null, parts: [{ type: 'text', text: 'Be brief.' }] },
      { role: 'user', name: null, parts: [{ type: 'text', text: 'Where is my refund?' }] },
      { role: 'assistant', name: null, parts: [{ type: 'tool_call', id: 'call_1', name: 'get_order', arguments: { order_id: 'o-9' } }] },
      { role: 'tool', name: null, parts: [{ type: 'tool_result', id: 'call_1', name: 'get_order', content: '{"status":"refunded"}' }] },
    ]);
  });

  it('reads Anthropic content blocks', () => {
    const conv = toConversation([
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'tu_1', name: 'search', input: { q: 'x' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'found' }] },
    ]);
    expect(conv![0].parts).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_call', id: 'tu_1', name: 'search', arguments: { q: 'x' } },
    ]);
    expect(conv![1].parts).toEqual([{ type: 'tool_result', id: 'tu_1', name: 'search', content: 'found' }]);
  });

  it('reads an OpenAI completion, LangChain messages and Gemini parts', () => {
    expect(toConversation({ choices: [{ message: { role: 'assistant', content: 'Hi' } }] })).toEqual([{ role: 'assistant', name: null, parts: [{ type: 'text', text: 'Hi' }] }]);
    expect(toConversation([[{ type: 'human', content: 'q' }, { lc: 1, type: 'constructor', id: ['langchain', 'schema', 'AIMessage'], kwargs: { content: 'a' } }]])!.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(toConversation({ contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] }] })).toEqual([
      { role: 'assistant', name: null, parts: [{ type: 'tool_call', id: null, name: 'f', arguments: { a: 1 } }] },
    ]);
  });

  it('leaves anything else alone', () => {
    expect(toConversation('plain text')).toBeNull();
    expect(toConversation({ query: 'flights to Paris' })).toBeNull();
    expect(toConversation([1, 2, 3])).toBeNull();
    expect(toConversation([{ role: 'user', content: 'hi' }, { foo: 1 }])).toBeNull();
    expect(toConversation({ messages: [] })).toBeNull();
  });
});
