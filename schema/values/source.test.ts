import { describe, it, expect } from 'vitest';
import { parseValueSource, ValueSource } from './source.ts';
import { readSource, missingSource, type TraceSubject } from './read.ts';

const tree = { trace: { id: 't', root_span_id: 'r', metadata: { reference: 'Lyon' }, name: null, latency_ms: null, usage: {} }, spans: [{ id: 'r', parent_id: null, output: { answer: 'Paris' } }], feedback: [] } as unknown as TraceSubject['tree'];
const example = { id: 'ex1', inputs: { q: 'Capital?' }, outputs: { answer: 'Paris' }, criteria: 'Names Paris.', expected_trajectory: [{ name: 'lookup' }], metadata: {} };

describe('example value sources', () => {
  it('parse the example fields with JSON paths and reject unknown ones naming the choices', () => {
    expect(parseValueSource('example.outputs.answer')).toEqual({ root: 'example', field: 'outputs', path: ['answer'] });
    expect(parseValueSource('example.expected_trajectory')).toEqual({ root: 'example', field: 'expected_trajectory', path: [] });
    expect(parseValueSource('example.reference')).toMatch(/example.<field> takes one of inputs, outputs, criteria, expected_trajectory, metadata/);
    expect(parseValueSource('example.criteria.x')).toBe('example.criteria takes no path');
  });

  it('read the run example when the subject has one, and nothing otherwise', () => {
    expect(readSource({ tree, span: null, example }, 'example.outputs.answer')).toBe('Paris');
    expect(readSource({ tree, span: null, example }, 'example.criteria')).toBe('Names Paris.');
    expect(readSource({ tree, span: null }, 'example.outputs')).toBeUndefined();
    expect(missingSource({ tree, span: null }, 'example.outputs')).toContain('not a run of an experiment');
  });

  it('read the first present of alternatives separated by |', () => {
    expect(parseValueSource('example.outputs|trace.metadata.reference')).toMatchObject({ root: 'first', options: [{ root: 'example' }, { root: 'trace' }] });
    expect(readSource({ tree, span: null, example }, 'example.outputs.answer|trace.metadata.reference')).toBe('Paris');
    expect(readSource({ tree, span: null }, 'example.outputs.answer|trace.metadata.reference')).toBe('Lyon');
    expect(parseValueSource('output|nonsense')).toMatch(/^'nonsense' unknown source/);
    expect(ValueSource.safeParse('example.outputs|trace.metadata.reference').success).toBe(true);
    expect(ValueSource.safeParse('example.outputs|').success).toBe(false);
  });
});
