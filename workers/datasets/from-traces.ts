/**
 * Examples from traces: a span's (default: the root's) input and output are COPIED into the
 * example (D1 revision rows), so the example outlives the trace's retention and deletion.
 * In bulk from a filter (the shared filter language, through listTraces), all matching
 * traces become one version.
 */
import { getTraces, listTraces } from '../store/trace-query.ts';
import { ApiError } from '../platform/errors.ts';
import type { TraceTree } from '../../schema/wire/trace.ts';
import type { ExampleWrite } from '../../schema/wire/datasets.ts';
import { addExamples, applyWrites, checkExampleWrite, listExamplesById, mustFindDataset, type ExampleWriteChecked } from './examples.ts';

/** Bulk adds read payloads into memory page by page (Workers: 128 MB), so one call takes at most this many traces. */
export const MAX_FROM_FILTER = 1000;
/** Matching traces one from-filter call looks at (those already in the dataset are passed over), bounding its D1 reads. */
export const MAX_FROM_FILTER_SCAN = 20_000;
/** Trace trees read per getTraces call (payloads come from R2). */
const PAGE = 50;
/** Trace ids per listTraces page. */
const MATCH_PAGE = 200;

const asObject = (v: unknown, key: string): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : v === undefined || v === null ? {} : { [key]: v });

/** The example a trace (or one of its spans) makes: inputs/outputs copied, the source kept. */
export function exampleFromTrace(tree: TraceTree, spanId?: string, extra: Partial<ExampleWrite> = {}): ExampleWrite {
  const span = spanId ? tree.spans.find((s) => s.id === spanId) : (tree.spans.find((s) => s.id === tree.trace.root_span_id) ?? tree.spans.find((s) => !s.parent_id));
  if (!span) throw new ApiError(404, 'not_found', spanId ? `span '${spanId}' not found in trace '${tree.trace.id}'` : `trace '${tree.trace.id}' has no root span`, spanId ? 'span_id' : 'trace_id');
  return {
    inputs: asObject(span.input, 'input'),
    outputs: span.output === undefined ? null : asObject(span.output, 'output'),
    metadata: { ...(extra.metadata ?? {}), trace_name: tree.trace.name ?? span.name },
    source: { trace_id: tree.trace.id, ...(spanId ? { span_id: spanId } : {}) },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'metadata')),
  };
}

export async function addFromTrace(env: Env, projectId: string, datasetId: string, traceId: string, opts: { spanId?: string; extra?: Partial<ExampleWrite> } = {}) {
  const d = await mustFindDataset(env, projectId, datasetId);
  const tree = (await getTraces(env, projectId, [traceId])).get(traceId);
  if (!tree) throw new ApiError(404, 'not_found', `trace '${traceId}' not found`, 'trace_id');
  // The id is derived from (dataset, trace[, span]) unless the caller names one, so the same
  // trace added again is the same example: unchanged it is a no-op, edited it is a 409 (use PATCH).
  const id = (opts.extra as { id?: string } | undefined)?.id ?? (await traceExampleId(d.id, opts.spanId ? `${traceId}\u0000${opts.spanId}` : traceId));
  try {
    return await addExamples(env, projectId, d.id, [{ ...exampleFromTrace(tree, opts.spanId, opts.extra), id }], `added from trace ${traceId}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409 && err.extra?.example_id === id) {
      throw new ApiError(409, 'conflict', `trace_id: trace '${traceId}' is already in this dataset as example '${id}', with other content; edit it with PATCH /v1/datasets/{dataset}/examples/${id}`, 'trace_id', { example_id: id });
    }
    throw err;
  }
}

/**
 * The id of the example a trace makes in a dataset: derived from (dataset, trace), so
 * adding the same trace again (a rule's redelivered message, a filter run twice) names the
 * same example and is skipped. A uuid (version 8: custom) made from SHA-256.
 */
export async function traceExampleId(datasetId: string, traceId: string): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${datasetId}\u0000${traceId}`))).slice(0, 16);
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = [...h].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Adds these traces (their root spans) as examples, one version, each under its
 * traceExampleId: a trace already in the dataset (even archived there) is left alone.
 * Traces no longer stored are skipped. A trace whose example breaks the dataset's schema
 * is a 400 naming it, or with `skipInvalid` (a rule's action, where nobody reads a 400)
 * is left out and counted. Returns the version and the ids added.
 */
export async function addTraces(env: Env, projectId: string, datasetId: string, traceIds: string[], opts: { tags?: string[]; metadata?: Record<string, unknown>; message: string; skipInvalid?: boolean }) {
  const d = await mustFindDataset(env, projectId, datasetId);
  const writes: ExampleWriteChecked[] = [];
  let invalid = 0;
  const extra: Partial<ExampleWrite> = { ...(opts.tags?.length ? { tags: opts.tags } : {}), ...(opts.metadata ? { metadata: opts.metadata } : {}) };
  for (let i = 0; i < traceIds.length; i += PAGE) {
    const ids = traceIds.slice(i, i + PAGE);
    const trees = await getTraces(env, projectId, ids);
    for (const id of ids) {
      const tree = trees.get(id);
      if (!tree) continue;
      try {
        const w = checkExampleWrite(d, { ...exampleFromTrace(tree, undefined, extra), id: await traceExampleId(d.id, id) }, '');
        writes.push({ id: w.id, state: w.state, at: '' });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (opts.skipInvalid) invalid++;
        else throw new ApiError(err.status, err.code, `trace '${id}': ${err.message}`, err.path, { trace_id: id });
      }
    }
  }
  if (invalid) console.error(`datasets: ${invalid} traces left out of dataset ${d.id}: their examples break its schema`);
  const r = await applyWrites(env, projectId, d, writes, { onExisting: 'skip', message: opts.message });
  return { version: r.version, added: r.written, skipped: r.unchanged, invalid };
}

/**
 * Every trace matching `filter` not yet in the dataset (up to `limit`) as one new version,
 * each tagged with `tags` (e.g. the Insights pattern it came from). Traces already added
 * are skipped while listing, so calling again with the same filter adds the next ones.
 * One call looks at most MAX_FROM_FILTER_SCAN matching traces.
 */
export async function addFromFilter(env: Env, projectId: string, datasetId: string, filter: string, limit = MAX_FROM_FILTER, tags: string[] = []) {
  const d = await mustFindDataset(env, projectId, datasetId);
  if (limit > MAX_FROM_FILTER) throw new ApiError(400, 'invalid_request', `limit: at most ${MAX_FROM_FILTER} traces per call`, 'limit');
  const traceIds: string[] = [];
  let skipped = 0;
  let scanned = 0;
  let cursor: string | undefined;
  let more = false;
  while (traceIds.length < limit) {
    if (scanned >= MAX_FROM_FILTER_SCAN) {
      more = true;
      break;
    }
    const page = await listTraces(env, projectId, { q: filter, limit: MATCH_PAGE, cursor });
    scanned += page.traces.length;
    const exampleIds = await Promise.all(page.traces.map((t) => traceExampleId(d.id, t.id)));
    const there = new Set((await listExamplesById(env, projectId, d.id, exampleIds)).map((e) => e.id));
    for (let i = 0; i < page.traces.length; i++) {
      if (there.has(exampleIds[i])) skipped++;
      else if (traceIds.length < limit) traceIds.push(page.traces[i].id);
      else more = true;
    }
    if (!page.next_cursor || !page.traces.length) break;
    if (traceIds.length >= limit) more = true;
    cursor = page.next_cursor;
  }
  const r = await addTraces(env, projectId, d.id, traceIds, { tags, message: `added from filter ${filter}` });
  const examples = await listExamplesById(env, projectId, d.id, r.added);
  return { version: r.version, added: r.added.length, skipped: skipped + r.skipped.length, more, examples };
}
