/**
 * Export of a dataset at a version as JSONL (one example per line, the Example wire shape)
 * or CSV (id, inputs, outputs, criteria, expected_trajectory, metadata, tags, splits, source; JSON
 * cells). Streams page by page (Workers: 128 MB, so a 100k-example dataset is never held
 * whole). CSV cells starting with = + - @ are neutralised by csv-stringify's
 * escape_formulas, as the review export does.
 */
import { stringify } from 'csv-stringify/sync';
import type { Example } from '../../schema/wire/datasets.ts';
import { listExamples } from './examples.ts';

const PAGE = 500;
export const CSV_COLUMNS = ['id', 'inputs', 'outputs', 'criteria', 'expected_trajectory', 'metadata', 'tags', 'splits', 'source'] as const;

const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const csvRow = (e: Example) => stringify([CSV_COLUMNS.map((c) => cell(e[c]))], { record_delimiter: '\r\n', escape_formulas: true });

export function exportStream(env: Env, projectId: string, datasetId: string, version: number, format: 'jsonl' | 'csv'): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor: string | null = null;
  let started = false;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return controller.close();
      let out = '';
      if (!started && format === 'csv') out += stringify([[...CSV_COLUMNS]], { record_delimiter: '\r\n' });
      started = true;
      const page = await listExamples(env, projectId, datasetId, { version, cursor, limit: PAGE });
      for (const e of page.examples) out += format === 'jsonl' ? `${JSON.stringify(e)}\n` : csvRow(e);
      cursor = page.next;
      if (!cursor) done = true;
      controller.enqueue(enc.encode(out));
    },
  });
}
