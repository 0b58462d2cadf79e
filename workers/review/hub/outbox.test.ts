/**
 * The generic outbox against real Durable Object SQLite storage. It needs an object to live
 * in; any will do, so these run inside a review hub of a project no test uses, in tables of
 * their own (the hub's `outbox` table is left alone).
 */
import { describe, it, expect } from 'vitest';
import { env, runInDurableObject } from 'cloudflare:test';
import { Outbox } from './outbox.ts';

/** Runs `fn` inside a fresh object with its storage (one object per test, by name). */
function inObject<T>(name: string, fn: (storage: DurableObjectStorage) => Promise<T> | T): Promise<T> {
  const stub = env.REVIEW_HUB.get(env.REVIEW_HUB.idFromName(`outbox-test-${name}`));
  return runInDurableObject(stub, (_, state) => fn(state.storage));
}

describe('durable outbox', () => {
  it('a body added in a transaction that fails is never written', async () => {
    const written = await inObject('rollback', async (storage) => {
      const outbox = new Outbox<{ n: number }>(storage.sql, { table: 'rollback_outbox' });
      outbox.add({ n: 1 }, Date.now());
      expect(() =>
        storage.transactionSync(() => {
          outbox.add({ n: 2 }, Date.now());
          throw new Error('the state change failed');
        }),
      ).toThrow('the state change failed');
      const seen: number[] = [];
      await outbox.flush(async (bodies) => void seen.push(...bodies.map((b) => b.n)));
      return seen;
    });
    expect(written).toEqual([1]);
  });

  it('a flush of an empty outbox does not stop later flushes', async () => {
    const seen = await inObject('empty-first', async (storage) => {
      const outbox = new Outbox<{ n: number }>(storage.sql, { table: 'empty_first_outbox' });
      const out: number[] = [];
      const write = async (bodies: { n: number }[]) => void out.push(...bodies.map((b) => b.n));
      await outbox.flush(write);
      outbox.add({ n: 1 }, Date.now());
      await outbox.flush(write);
      return out;
    });
    expect(seen).toEqual([1]);
  });

  it('writes bodies oldest first in batches, and deletes them once written', async () => {
    const result = await inObject('batches', async (storage) => {
      const outbox = new Outbox<{ n: number }>(storage.sql, { table: 'batch_outbox', batch: 2 });
      for (let n = 1; n <= 5; n++) outbox.add({ n }, 1_000);
      expect(outbox.nextAttemptAt()).toBe(1_000 + 5_000);
      const calls: number[][] = [];
      await outbox.flush(async (bodies) => void calls.push(bodies.map((b) => b.n)));
      return { calls, left: outbox.nextAttemptAt() };
    });
    expect(result.calls).toEqual([[1, 2], [3, 4], [5]]);
    expect(result.left).toBeNull();
  });

  it('a failed write keeps its bodies with a backoff and the error, and a later flush writes them', async () => {
    const result = await inObject('retry', async (storage) => {
      const outbox = new Outbox<{ n: number }>(storage.sql, { table: 'retry_outbox' });
      outbox.add({ n: 1 }, Date.now());
      const before = Date.now();
      await outbox.flush(async () => {
        throw new Error('D1 is unavailable');
      });
      const row = storage.sql.exec<{ attempts: number; next_at: number; last_error: string }>('SELECT attempts, next_at, last_error FROM retry_outbox').one();
      const seen: number[] = [];
      await outbox.flush(async (bodies) => void seen.push(...bodies.map((b) => b.n)));
      return { row, before, seen, left: outbox.nextAttemptAt() };
    });
    expect(result.row.attempts).toBe(1);
    expect(result.row.last_error).toContain('D1 is unavailable');
    // The first retry waits 1 s (then 2 s, 4 s ... up to 5 minutes).
    expect(result.row.next_at).toBeGreaterThanOrEqual(result.before + 1_000);
    expect(result.row.next_at).toBeLessThan(result.before + 60_000);
    expect(result.seen).toEqual([1]);
    expect(result.left).toBeNull();
  });

  it('runs one flush at a time: a second call joins the running one, and bodies added meanwhile go in its next round', async () => {
    const calls = await inObject('single', async (storage) => {
      const outbox = new Outbox<{ n: number }>(storage.sql, { table: 'single_outbox' });
      outbox.add({ n: 1 }, Date.now());
      const calls: number[][] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const write = async (bodies: { n: number }[]) => {
        calls.push(bodies.map((b) => b.n));
        if (calls.length === 1) await gate;
      };
      const first = outbox.flush(write);
      outbox.add({ n: 2 }, Date.now());
      const second = outbox.flush(write);
      expect(second).toBe(first);
      release();
      await Promise.all([first, second]);
      return calls;
    });
    expect(calls).toEqual([[1], [2]]);
  });

  it('refuses a table name that is not a plain SQL name', async () => {
    await inObject('name', (storage) => {
      expect(() => new Outbox(storage.sql, { table: 'outbox; DROP TABLE items' })).toThrow(/table name/);
    });
  });
});
