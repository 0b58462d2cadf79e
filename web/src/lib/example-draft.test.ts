import { describe, it, expect } from 'vitest';
import { draftOf, fieldOfPath, parseDraft, payloadObject, trajectoryFromMetadata } from './example-draft.ts';

describe('the example editor draft', () => {
  it('round-trips an example through its draft', () => {
    const e = { inputs: { q: 'hi' }, outputs: { a: 'yo' }, criteria: 'polite', expected_trajectory: [{ name: 'search', args: { q: 'hi' } }], metadata: { k: 1 }, tags: ['pinned', 'x'], splits: ['test'] };
    expect(parseDraft(draftOf(e))).toEqual({ errors: {}, value: e });
  });

  it('a new example is empty inputs in the base split, with no outputs', () => {
    expect(parseDraft(draftOf()).value).toEqual({ inputs: {}, outputs: null, criteria: null, expected_trajectory: null, metadata: {}, tags: [], splits: ['base'] });
  });

  it('names each field whose JSON does not parse or has the wrong shape', () => {
    const d = { ...draftOf(), inputs: '{"q": ', outputs: '[1]', expected_trajectory: '{"name": "x"}', metadata: '3' };
    const { value, errors } = parseDraft(d);
    expect(value).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['expected_trajectory', 'inputs', 'metadata', 'outputs']);
    expect(errors.inputs).toMatch(/not valid JSON/);
    expect(errors.outputs).toMatch(/JSON object/);
  });

  it('maps the API’s error paths to the field they name', () => {
    expect(fieldOfPath('examples[0].inputs.question')).toEqual({ field: 'inputs', at: 'question' });
    expect(fieldOfPath('outputs')).toEqual({ field: 'outputs', at: '' });
    expect(fieldOfPath('examples[3].expected_trajectory[0].name')).toEqual({ field: 'expected_trajectory', at: '[0].name' });
    expect(fieldOfPath('name')).toBeNull();
    expect(fieldOfPath(undefined)).toBeNull();
  });

  it('reads the expected tool calls a trace carries, whatever their argument key', () => {
    expect(trajectoryFromMetadata({ expected_actions: [{ name: 'find_user', kwargs: { id: 1 } }, { name: 'done' }] })).toEqual([{ name: 'find_user', args: { id: 1 } }, { name: 'done' }]);
    expect(trajectoryFromMetadata({ expected_actions: JSON.stringify([{ name: 'a', arguments: {} }]) })).toEqual([{ name: 'a', args: {} }]);
    expect(trajectoryFromMetadata({})).toBeNull();
  });

  it('wraps a non-object payload as the API does', () => {
    expect(payloadObject('hello', 'input')).toEqual({ input: 'hello' });
    expect(payloadObject({ a: 1 }, 'input')).toEqual({ a: 1 });
    expect(payloadObject(undefined, 'output')).toBeNull();
  });
});
