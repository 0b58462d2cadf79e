/**
 * Fills a local store with the bench workload through the bench indexer worker: 500-span
 * NDJSON batches of 10-span traces, indexed five at a time, with two groups in flight (one
 * being generated here while the worker indexes the other). Shared by the suites that need
 * a large store (queries, dashboards).
 */
import type { BenchWorker } from './bench-worker.ts';
import { benchTrace } from './workload.ts';
import { pool } from './suite.ts';

export const SPANS_PER_TRACE = 10;
export const SPANS_PER_BATCH = 500;
export const BATCHES_PER_INDEX = 5;

/** Loads `batchCount` batches of traces starting at batch `firstBatch`; keys are `<tag->NNNNNN`; `onGroup` hears how many batches are done. */
export async function loadBenchStore(
  worker: BenchWorker,
  projectId: string,
  opts: Parameters<typeof benchTrace>[0],
  range: { firstBatch?: number; batchCount: number; tag?: string; onGroup?: (done: number) => void; rollups?: boolean; concurrency?: number },
): Promise<{ writeMs: number }> {
  const first = range.firstBatch ?? 0;
  const end = first + range.batchCount;
  const tracesPerBatch = SPANS_PER_BATCH / SPANS_PER_TRACE;
  const groups: number[][] = [];
  for (let b = first; b < end; b += BATCHES_PER_INDEX) groups.push(Array.from({ length: Math.min(BATCHES_PER_INDEX, end - b) }, (_, i) => b + i));
  let done = 0;
  let writeMs = 0;
  await pool(groups, range.concurrency ?? 2, async (group) => {
    const batches = group.map((b) => {
      let ndjson = '';
      for (let t = b * tracesPerBatch; t < Math.min(opts.traces, (b + 1) * tracesPerBatch); t++) for (const span of benchTrace(opts, t)) ndjson += `${JSON.stringify(span)}\n`;
      return { key: `spans/${projectId}/bench/${range.tag ? `${range.tag}-` : ''}${String(b).padStart(6, '0')}.ndjson`, ndjson: new TextEncoder().encode(ndjson) };
    });
    writeMs += (await worker.load(projectId, batches, { rollups: range.rollups })).writeMs;
    done += group.length;
    range.onGroup?.(done);
  });
  return { writeMs };
}
