/**
 * Benchmark: the LangSmith multipart path (POST /runs/multipart), spans/s to queryable.
 * Bodies are written exactly as the langsmith SDK writes them (`post.<id>` plus
 * `post.<id>.inputs|outputs|extra` parts; a run that finished inside the SDK's batching
 * window is sent as one create carrying its end), and built before the clock starts.
 * Uncompressed by default so the ratio to native measures translation, not gzip;
 * `gzip: true` mirrors the SDK's default compression.
 */
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { BASE_TIME, sendAll, stepBatches, waitQueryable, type BenchLoupe, type BenchResult, type Step, type Workload } from './compat-workload.ts';

const enc = new TextEncoder();

/** `dotted_order` segment: start time as YYYYMMDDTHHMMSSffffff, then Z and the run id. */
function segment(ms: number, id: string): string {
  return `${new Date(ms).toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '')}000Z${id}`;
}

/** Builds the multipart bodies (one per batch) and the id of the last trace. */
export function buildLangsmithRequests(workload: Workload, opts: { gzip?: boolean } = {}): { bodies: { body: Uint8Array; boundary: string }[]; spans: number; lastTraceId: string } {
  const bodies: { body: Uint8Array; boundary: string }[] = [];
  let spans = 0;
  let lastTraceId = '';
  for (const batch of stepBatches(workload)) {
    const boundary = `----LangSmithFormBoundary${randomUUID().slice(0, 12)}`;
    const chunks: Uint8Array[] = [];
    const part = (name: string, value: unknown) => {
      const data = enc.encode(JSON.stringify(value));
      chunks.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: application/json; length=${data.length}\r\n\r\n`), data, enc.encode('\r\n'));
    };
    let rootId = '';
    let rootOrder = '';
    for (const step of batch as Step[]) {
      const id = randomUUID();
      const t0 = BASE_TIME + step.trace * 10;
      if (step.kind === 'agent') {
        rootId = id;
        rootOrder = segment(t0, id);
        lastTraceId = id;
      }
      const run = {
        id,
        trace_id: rootId,
        ...(step.kind === 'agent' ? { dotted_order: rootOrder, tags: [workload.tag] } : { parent_run_id: rootId, dotted_order: `${rootOrder}.${segment(t0 + step.start, id)}` }),
        name: step.name,
        run_type: step.kind === 'agent' ? 'chain' : step.kind,
        start_time: t0 + step.start,
        end_time: t0 + step.end,
        session_name: 'bench',
      };
      part(`post.${id}`, run);
      part(`post.${id}.inputs`, step.input);
      part(`post.${id}.outputs`, step.kind === 'llm' ? { ...(step.output as object), usage_metadata: { ...step.usage, total_tokens: step.usage!.input_tokens + step.usage!.output_tokens } } : step.output);
      part(`post.${id}.extra`, { metadata: step.model ? { ls_model_name: step.model, ls_provider: 'openai' } : {}, runtime: { sdk: 'langsmith-js', sdk_version: '0.12.0' } });
      spans++;
    }
    chunks.push(enc.encode(`--${boundary}--\r\n`));
    const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      body.set(c, o);
      o += c.length;
    }
    bodies.push({ body: opts.gzip ? gzipSync(body) : body, boundary });
  }
  return { bodies, spans, lastTraceId };
}

/** Posts the workload to /runs/multipart and waits until every span is queryable. */
export async function benchLangsmith(loupe: BenchLoupe, workload: Workload, opts: { gzip?: boolean } = {}): Promise<BenchResult> {
  const { bodies, spans, lastTraceId } = buildLangsmithRequests(workload, opts);
  const started = performance.now();
  await sendAll(
    bodies.map(({ body, boundary }) => () =>
      fetch(`${loupe.url}/runs/multipart`, {
        method: 'POST',
        headers: { 'x-api-key': loupe.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}`, ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}) },
        body: body as unknown as BodyInit,
      }),
    ),
    workload.concurrency,
  );
  const sent = performance.now();
  await waitQueryable(loupe, workload.tag, workload.traces, spans, lastTraceId);
  return { spans, seconds: (performance.now() - started) / 1000, sendSeconds: (sent - started) / 1000 };
}
