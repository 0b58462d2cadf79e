/**
 * What a benchmark suite is, and what it reports. A suite is a file in bench/suites/ that
 * exports `suite`; bench/run.ts finds every such file, so adding a benchmark is adding a file.
 */
import type { SqliteHost } from './sqlite.ts';

/** One reported number. */
export interface Figure {
  /** What was measured, e.g. "ingest: to queryable". */
  name: string;
  value: number;
  unit: string;
  /** A target from the issue, checked and shown next to the figure. */
  target?: { op: '>=' | '<='; value: number };
  /** How it was measured, in a few words. */
  note?: string;
}

/** What a suite hands back: its figures and any detail worth keeping in the JSON record. */
export interface SuiteResult {
  figures: Figure[];
  details?: Record<string, unknown>;
}

/** What the runner gives every suite. */
export interface BenchContext {
  /** First port a suite may use for servers it starts (it may use the next few); 0 = any free port. */
  portBase: number;
  /** Scale the workload down (smoke run): suites divide their sizes by this (1 = full size). */
  scale: number;
  /** Keep temporary directories (for inspection) instead of deleting them. */
  keep: boolean;
  /** A fresh temporary directory for this suite. */
  tmpDir: string;
  log(line: string): void;
  /** Raw SQLite (better-sqlite3), started on first use and shared by suites. */
  sqlite(): Promise<SqliteHost>;
}

/** A named benchmark. `order` sorts the default run (lower first; default 100). */
export interface BenchSuite {
  name: string;
  description: string;
  order?: number;
  run(ctx: BenchContext): Promise<SuiteResult>;
}

/** The p-th percentile (0-100) of `values` by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves to results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
