/**
 * Span inputs and outputs, loaded one span at a time: the trace page loads the tree
 * without payloads (fast for any size) and each span's full input/output when it is
 * selected, prefetching its neighbours so j/k feel instant. Cached per project, trace and
 * span, with a bound on how many are kept.
 */
import { useEffect, useState } from 'react';
import type { SpanOut } from '../../../schema/wire/span.ts';
import { api, currentProject } from './client.ts';

/** Spans kept in memory (a payload can be large; the oldest are dropped first). */
const CACHE_LIMIT = 300;
const cache = new Map<string, Promise<SpanOut>>();

const keyOf = (traceId: string, spanId: string) => `${currentProject()}|${traceId}|${spanId}`;

/** Starts (or reuses) the load of one span's payloads. */
export function loadSpan(traceId: string, spanId: string): Promise<SpanOut> {
  const key = keyOf(traceId, spanId);
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key); // re-insert: most recently used last
    cache.set(key, hit);
    return hit;
  }
  hit = api<SpanOut>(`/v1/traces/${encodeURIComponent(traceId)}/spans/${encodeURIComponent(spanId)}`);
  hit.catch(() => cache.delete(key)); // a failed load is retried next time
  cache.set(key, hit);
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return hit;
}

/** The full span (with input and output) once loaded; undefined while loading. */
export function useSpanPayload(traceId: string, spanId: string | null): { span: SpanOut | undefined; error: Error | undefined } {
  const [state, setState] = useState<{ key: string; span?: SpanOut; error?: Error }>({ key: '' });
  const key = spanId ? `${traceId}|${spanId}` : '';
  useEffect(() => {
    if (!spanId) return;
    let live = true;
    loadSpan(traceId, spanId).then(
      (span) => live && setState({ key, span }),
      (error: Error) => live && setState({ key, error }),
    );
    return () => {
      live = false;
    };
  }, [traceId, spanId, key]);
  return state.key === key ? { span: state.span, error: state.error } : { span: undefined, error: undefined };
}
