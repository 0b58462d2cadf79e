/**
 * Portability: how fast a project leaves Loupe (GET /v1/export, streamed) and how fast its
 * D1 index is rebuilt from the R2 raw log (POST /v1/operator/rebuild, step after step, as
 * `npm run rebuild` drives it).
 *
 * The store: 100,000 spans (10,000 ten-span traces of the bench workload, in 500-span R2
 * batches) loaded through the bench indexer Worker, which writes R2 and D1 with the
 * product's code. Then Loupe runs on that state: the export is read to its end record (bytes
 * and spans per second), and the rebuild wipes and re-indexes every batch; its span count
 * must equal the stored count, and the index the same size.
 */
import { randomBytes } from 'node:crypto';
import { startLoupe } from '../../scripts/local.ts';
import { startBenchWorker } from '../lib/bench-worker.ts';
import { loadBenchStore, SPANS_PER_BATCH, SPANS_PER_TRACE } from '../lib/store-load.ts';
import type { BenchSuite, Figure } from '../lib/suite.ts';

export const suite: BenchSuite = {
  name: 'portability',
  order: 90,
  description: 'Export rate (GET /v1/export, spans/s and MB/s) and rebuild-from-R2 rate (spans/s) over 100,000 stored spans',
  async run(ctx) {
    const totalSpans = Math.round(100_000 / ctx.scale);
    const traces = Math.max(1, Math.floor(totalSpans / SPANS_PER_TRACE));
    const persistTo = `${ctx.tmpDir}/state`;
    const vars = { SETUP_SECRET: randomBytes(16).toString('hex') };
    const now = Date.now();
    const opts = { seed: now % 1e9, now, days: 14, spansPerTrace: SPANS_PER_TRACE, traces };
    const batchCount = Math.ceil(traces / (SPANS_PER_BATCH / SPANS_PER_TRACE));

    const first = await startLoupe({ port: ctx.portBase, persistTo, demo: false, vars });
    const { projectId } = first;
    await first.stop();
    const worker = await startBenchWorker(persistTo, ctx.portBase ? ctx.portBase + 1 : 0);
    let stored = 0;
    try {
      await loadBenchStore(worker, projectId, opts, { batchCount, tag: 'port' });
      const [[row]] = (await worker.sql([{ sql: 'SELECT count(*) AS n FROM spans WHERE project_id = ?1', params: [projectId] }])) as { n: number }[][];
      stored = row.n;
      ctx.log(`stored ${stored.toLocaleString('en-US')} spans in ${batchCount} R2 batches`);
    } finally {
      await worker.stop();
    }

    const figures: Figure[] = [];
    const details: Record<string, unknown> = { stored, batches: batchCount };
    const loupe = await startLoupe({ port: ctx.portBase, persistTo, demo: false, vars });
    try {
      // Export, read to the end as a client would.
      let t0 = performance.now();
      const res = await fetch(`${loupe.url}/v1/export`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
      if (res.status !== 200) throw new Error(`GET /v1/export answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      let bytes = 0;
      let spans = 0;
      let tail = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        const text = tail + decoder.decode(chunk, { stream: true });
        const lines = text.split('\n');
        tail = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('{"type":"span"')) spans++;
      }
      const exportS = (performance.now() - t0) / 1000;
      if (spans < stored) throw new Error(`the export carried ${spans} span lines for ${stored} stored spans`);
      ctx.log(`export: ${spans.toLocaleString('en-US')} span lines, ${(bytes / 1e6).toFixed(1)} MB in ${exportS.toFixed(1)} s`);
      figures.push({ name: 'export: spans per second', value: Math.round(spans / exportS), unit: 'spans/s', note: `${(bytes / 1e6).toFixed(1)} MB in ${exportS.toFixed(1)} s` });
      figures.push({ name: 'export: MB per second', value: Math.round((bytes / 1e6 / exportS) * 10) / 10, unit: 'MB/s' });
      Object.assign(details, { exportSeconds: exportS, exportBytes: bytes, exportSpans: spans });

      // Rebuild: wipe and re-index, step by step.
      t0 = performance.now();
      let cursor: string | null = null;
      let rebuilt = 0;
      let wipeS = 0;
      for (;;) {
        const step = await fetch(`${loupe.url}/v1/operator/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${vars.SETUP_SECRET}`, 'content-type': 'application/json' }, body: JSON.stringify({ project_id: projectId, cursor }) });
        const body = (await step.json()) as { phase: string; cursor: string | null; done: boolean; spans: number };
        if (step.status !== 200) throw new Error(`rebuild step answered ${step.status}: ${JSON.stringify(body).slice(0, 300)}`);
        if (body.phase === 'wipe') wipeS = (performance.now() - t0) / 1000;
        rebuilt += body.spans;
        if (body.done) break;
        cursor = body.cursor;
      }
      const totalS = (performance.now() - t0) / 1000;
      if (rebuilt !== stored) throw new Error(`the rebuild indexed ${rebuilt} spans for ${stored} stored`);
      const indexS = totalS - wipeS;
      ctx.log(`rebuild: wiped in ${wipeS.toFixed(1)} s, re-indexed ${rebuilt.toLocaleString('en-US')} spans in ${indexS.toFixed(1)} s`);
      figures.push({ name: 'rebuild from R2: spans per second (index phase)', value: Math.round(rebuilt / indexS), unit: 'spans/s', note: `${batchCount} batches, 10 per step` });
      figures.push({ name: 'rebuild from R2: spans per second (wipe + index)', value: Math.round(rebuilt / totalS), unit: 'spans/s', note: `wipe ${wipeS.toFixed(1)} s` });
      Object.assign(details, { wipeSeconds: wipeS, rebuildSeconds: totalS, rebuilt });
    } finally {
      await loupe.stop();
    }
    return { figures, details };
  },
};
