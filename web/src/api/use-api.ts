/** Loads an API resource for a component, cancelling stale requests when inputs change. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, takePreloaded } from './client.ts';

/** The state of one load. */
export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * GETs `path` (null skips), or POSTs `body` to it when given (a read with a JSON body, such
 * as /v1/stats/batch), and reloads when either changes. Keeps the last data while reloading.
 */
export function useApi<T>(path: string | null, body?: unknown): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | Error>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const current = useRef(0);
  // The body by value: a new object with the same content is the same request.
  const bodyKey = body === undefined ? undefined : JSON.stringify(body);
  useEffect(() => {
    if (path === null) return;
    const id = ++current.current;
    const ctrl = new AbortController();
    setLoading(true);
    const load = () => api<T>(path, { signal: ctrl.signal, ...(bodyKey === undefined ? {} : { body: JSON.parse(bodyKey) }) });
    const preloaded = bodyKey === undefined ? takePreloaded<T>(path) : undefined;
    (preloaded ? preloaded.catch(load) : load())
      .then((d) => {
        if (id !== current.current) return;
        setData(d);
        setError(undefined);
      })
      .catch((err: Error) => {
        if (id !== current.current || err.name === 'AbortError') return;
        setError(err);
      })
      .finally(() => {
        if (id === current.current) setLoading(false);
      });
    return () => ctrl.abort();
  }, [path, bodyKey, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/**
 * Calls `reload` every `ms` while `active` (e.g. while a run is in progress), skipping
 * ticks while the tab is hidden.
 */
export function usePolling(reload: () => void, ms: number, active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, ms);
    return () => clearInterval(timer);
  }, [reload, ms, active]);
}
