/**
 * The renderer's golden tests and the size benchmark build tau-bench trees without a
 * server (scripts/demo/taubench-tree.ts). This holds that shortcut to the real thing:
 * the same conversations posted through the API come back as the same tree.
 */
import { describe, it, expect } from 'vitest';
import demo from '../demo/taubench-airline.json';
import { api, makeProject, waitForTrace } from './helpers.ts';
import { taubenchToTrace, type TauBenchItem } from '../scripts/demo/taubench.ts';
import { taubenchTree, FIXED_NOW } from '../scripts/demo/taubench-tree.ts';

const items = demo as unknown as TauBenchItem[];

describe('tau-bench trees built offline', () => {
  it('equal what GET /v1/traces/:id returns for the same conversations', async () => {
    const { key } = await makeProject('taubench-tree');
    // 0-1: failed, with a failing tool call; 35-3: short and solved.
    for (const index of [50, 185]) {
      const { spans, feedback } = taubenchToTrace(items[index], index, items.length, FIXED_NOW);
      expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
      for (const f of feedback) expect((await api('/v1/feedback', { key, body: f })).status).toBe(200);
      const expected = taubenchTree(items[index], index, items.length, FIXED_NOW);
      const actual = await waitForTrace(key, expected.trace.id, spans.length);
      const stamp = (f: { created_at: string; updated_at: string }) => ({ ...f, created_at: 'x', updated_at: 'x' });
      expect({ ...actual, feedback: actual.feedback.map(stamp) }).toEqual({ ...expected, feedback: expected.feedback.map(stamp) });
    }
  });
});
