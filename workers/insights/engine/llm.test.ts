import { describe, it, expect } from 'vitest';
import { summary } from '../../../test/insights-helpers.ts';
import { applyClusterLabels, labelRequests, parseFacets, withFacets } from './llm.ts';
import { runReport } from './steps.ts';
import { intentText } from './intents.ts';

describe('the LLM hook', () => {
  it('reads a facet answer, with or without a code fence, and refuses one that is not', () => {
    const answer = { request: 'cancel a flight', task: 'cancel reservation', outcome: 'cancelled', failure_reason: null };
    expect(parseFacets(JSON.stringify(answer))).toEqual({ request: 'cancel a flight', task: 'cancel reservation', outcome: 'cancelled', failureReason: null });
    expect(parseFacets('```json\n' + JSON.stringify(answer) + '\n```')).not.toBeNull();
    expect(parseFacets('I think the user wanted to cancel.')).toBeNull();
    expect(parseFacets({ request: 'x' })).toBeNull();
  });

  it('adds facets to the words a trace clusters on, keeping the request', () => {
    const [s] = withFacets([summary('t', { request: 'hi there' })], new Map([['t', { request: 'change a seat', task: 'seat change', outcome: 'done', failureReason: null }]]));
    expect(intentText(s)).toBe('hi there\nchange a seat\nseat change');
    expect(withFacets([summary('u')], new Map([['u', null]]))[0].facets).toBeUndefined();
  });

  it('renames clusters that got an LLM label and keeps the offline names of the rest', () => {
    const traces = ['refund my order please', 'I want my money back refund', 'reset my password', 'forgot password login', 'refund for the broken order', 'password reset link'].map((request, i) => summary(`t${i}`, { request, failed: i % 2 === 0 }));
    const { report } = runReport(traces);
    const requests = labelRequests(report, (id) => traces.find((t) => t.id === id)?.request);
    expect(requests.length).toBeGreaterThan(1);
    expect(requests[0].examples.length).toBeGreaterThan(0);
    const first = requests[0].clusterId;
    const labelled = applyClusterLabels(report, new Map([[first, { name: 'Refunds', description: 'People asking for their money back.' }]]));
    const all = [...labelled.intents, ...labelled.intents.flatMap((c) => c.children ?? [])];
    expect(all.find((c) => `intent:${c.id}` === first)).toMatchObject({ name: 'Refunds', namedBy: 'llm' });
    expect(all.filter((c) => c.namedBy === 'c-tf-idf').length).toBeGreaterThan(0);
    expect(labelled.method.naming).toBe('llm');
    expect(labelled.notes.join(' ')).toContain('kept their offline (c-TF-IDF) names');
  });
});
