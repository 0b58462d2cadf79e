import { describe, it, expect } from 'vitest';
import { replayMessages } from './replay.ts';
import type { StoredReplay } from './target.ts';

const base: StoredReplay = { provider_id: 'p', model: 'm', temperature: 0, max_tokens: 10, messages_path: 'messages' };
const inputs = { messages: [{ role: 'system', content: 'old' }, { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] }] };

describe('replay messages', () => {
  it("keep the example's system prompt, replace it, or remove it", () => {
    expect(replayMessages(inputs, base)).toEqual([{ role: 'system', content: 'old' }, { role: 'user', content: 'Hi there' }]);
    expect(replayMessages(inputs, { ...base, system: 'new' })).toEqual([{ role: 'system', content: 'new' }, { role: 'user', content: 'Hi there' }]);
    expect(replayMessages(inputs, { ...base, system: null })).toEqual([{ role: 'user', content: 'Hi there' }]);
  });

  it('read the messages at messages_path, or the inputs when they are the list', () => {
    expect(replayMessages({ chat: { turns: inputs.messages } }, { ...base, messages_path: 'chat.turns' })).toHaveLength(2);
    expect(replayMessages(inputs.messages, base)).toHaveLength(2);
  });

  it('say what is wrong with examples that hold no usable chat', () => {
    expect(replayMessages({ question: 'x' }, base)).toBe("the example's inputs have no chat messages at messages");
    expect(replayMessages({ messages: [{ role: 'tool', content: 'x' }] }, base)).toBe('messages[0] is not a {role: system|user|assistant, content: text} message');
  });
});
