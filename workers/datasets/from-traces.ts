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
import { addExamples, mustFindDataset } from './examples.ts';

/** Bulk adds read payloads into memory page by page (Workers: 128 MB), so one call takes at most this many traces. */
export const MAX_FROM_FILTER = 1000;
const PAGE = 50;

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
  await mustFindDataset(env, projectId, datasetId);
  const tree = (await getTraces(env, projectId, [traceId])).get(traceId);
  if (!tree) throw new ApiError(404, 'not_found', `trace '${traceId}' not found`, 'trace_id');
  return addExamples(env, projectId, datasetId, [exampleFromTrace(tree, opts.spanId, opts.extra)], `added from trace ${traceId}`);
}

/** Every trace matching `filter` (up to `limit`) as one new version. */
export async function addFromFilter(env: Env, projectId: string, datasetId: string, filter: string, limit = MAX_FROM_FILTER) {
  await mustFindDataset(env, projectId, datasetId);
  if (limit > MAX_FROM_FILTER) throw new ApiError(400, 'invalid_request', `limit: at most ${MAX_FROM_FILTER} traces per call`, 'limit');
  const examples: ExampleWrite[] = [];
  let cursor: string | undefined;
  while (examples.length < limit) {
    const page = await listTraces(env, projectId, { q: filter, limit: Math.min(PAGE, limit - examples.length), cursor });
    const trees = await getTraces(env, projectId, page.traces.map((t) => t.id));
    for (const t of page.traces) {
      const tree = trees.get(t.id);
      if (tree) examples.push(exampleFromTrace(tree));
    }
    if (!page.next_cursor || !page.traces.length) break;
    cursor = page.next_cursor;
  }
  if (!examples.length) return { version: (await mustFindDataset(env, projectId, datasetId)).latestVersion, examples: [] };
  return addExamples(env, projectId, datasetId, examples, `added ${examples.length} examples from filter ${filter}`);
}
