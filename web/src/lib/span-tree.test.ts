import { describe, it, expect } from 'vitest';
import type { SpanOut } from '../../../schema/wire/span.ts';
import { ancestorIds, buildSpanTree, visibleNodes } from './span-tree.ts';

function s(id: string, parent: string | null, start: number, end: number): SpanOut {
  const iso = (ms: number) => new Date(1_800_000_000_000 + ms).toISOString();
  return {
    id, trace_id: 't', parent_id: parent, name: id, kind: 'chain', start_time: iso(start), end_time: iso(end), latency_ms: end - start,
    status: 'ok', error: null, model: null, usage: { input_tokens: null, output_tokens: null, total_tokens: null, cost_usd: null },
    tags: [], metadata: {}, environment: null, release: null, session_id: null, user_id: null,
  };
}

// Depth-first, as GET /v1/traces/{id} returns spans.
const spans = [s('root', null, 0, 1000), s('a', 'root', 0, 400), s('a1', 'a', 100, 200), s('b', 'root', 500, 1000), s('orphan', 'missing', 900, 950)];

describe('the span tree', () => {
  it('places every span at its depth and on the timeline', () => {
    const tree = buildSpanTree(spans);
    expect(tree.nodes.map((n) => [n.span.id, n.depth, n.childCount])).toEqual([
      ['root', 0, 2],
      ['a', 1, 1],
      ['a1', 2, 0],
      ['b', 1, 0],
      ['orphan', 0, 0],
    ]);
    const b = tree.byId.get('b')!;
    expect(b.offset).toBeCloseTo(0.5);
    expect(b.width).toBeCloseTo(0.5);
    expect(ancestorIds(tree, 'a1')).toEqual(['a', 'root']);
  });

  it('hides the descendants of collapsed spans, and only those', () => {
    const tree = buildSpanTree(spans);
    expect(visibleNodes(tree, new Set(['a'])).map((n) => n.span.id)).toEqual(['root', 'a', 'b', 'orphan']);
    expect(visibleNodes(tree, new Set(['root'])).map((n) => n.span.id)).toEqual(['root', 'orphan']);
    expect(visibleNodes(tree, new Set(['a1'])).map((n) => n.span.id)).toEqual(['root', 'a', 'a1', 'b', 'orphan']);
  });

  it('builds a 10,000-span tree and hides a branch in linear time', () => {
    const many: SpanOut[] = [s('root', null, 0, 100_000)];
    for (let i = 0; i < 9_999; i++) many.push(s(`c${i}`, i % 100 === 0 ? 'root' : `c${i - (i % 100)}`, i * 10, i * 10 + 5));
    const tree = buildSpanTree(many);
    expect(tree.nodes).toHaveLength(10_000);
    expect(tree.byId.get('root')!.childCount).toBe(100);
    expect(visibleNodes(tree, new Set(['root']))).toHaveLength(1);
  });
});
