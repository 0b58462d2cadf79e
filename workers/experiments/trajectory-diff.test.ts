import { describe, it, expect } from 'vitest';
import { alignToolCalls, argumentChanges, diffTrajectories } from './trajectory-diff.ts';

const call = (name: string, args: unknown = {}) => ({ name, args });

describe('the trajectory diff of two runs', () => {
  it('aligns the calls, finds the first divergence, and names added, removed and changed calls', () => {
    const a = [call('search', { q: 'order' }), call('get_order', { id: 1 }), call('cancel', { id: 1 }), call('refund', { id: 1, amount: 10 })];
    const b = [call('search', { q: 'order' }), call('lookup_user', { user: 'u1' }), call('get_order', { id: 1 }), call('refund', { id: 1, amount: 12 })];
    const d = diffTrajectories({ calls: a, output: { answer: 'refunded 10' } }, { calls: b, output: { answer: 'refunded 12' } });
    expect(d.steps).toEqual([
      { op: 'same', a: 0, b: 0, name: 'search' },
      { op: 'added', b: 1, name: 'lookup_user' },
      { op: 'same', a: 1, b: 2, name: 'get_order' },
      { op: 'removed', a: 2, name: 'cancel' },
      { op: 'changed', a: 3, b: 3, name: 'refund', args: [{ path: 'amount', kind: 'changed', a: 10, b: 12 }] },
    ]);
    expect(d.firstDivergence).toBe(1);
    expect([d.added, d.removed, d.changed]).toEqual([1, 1, 1]);
    expect(d.outputEqual).toBe(false);
    expect(d.output.filter((p) => p.op !== 'same')).toEqual([
      { op: 'removed', text: '  "answer": "refunded 10"\n' },
      { op: 'added', text: '  "answer": "refunded 12"\n' },
    ]);
  });

  it('reports no divergence for identical runs, whatever the key order of the arguments', () => {
    const d = diffTrajectories({ calls: [call('t', { x: 1, y: [1, 2] })], output: 'ok' }, { calls: [call('t', { y: [1, 2], x: 1 })], output: 'ok' });
    expect(d.firstDivergence).toBeNull();
    expect(d.outputEqual).toBe(true);
  });

  it('diffs nested arguments by path', () => {
    expect(argumentChanges({ o: { items: [1, 2], note: 'a' } }, { o: { items: [1, 3, 4] }, extra: true })).toEqual([
      { path: 'extra', kind: 'added', b: true },
      { path: 'o.items.1', kind: 'changed', a: 2, b: 3 },
      { path: 'o.items.2', kind: 'added', b: 4 },
      { path: 'o.note', kind: 'removed', a: 'a' },
    ]);
  });

  it('treats one side empty as all added or all removed', () => {
    expect(alignToolCalls([], [call('a'), call('b')]).map((s) => s.op)).toEqual(['added', 'added']);
    expect(alignToolCalls([call('a')], []).map((s) => s.op)).toEqual(['removed']);
  });
});
