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

/** GETs `path` (null skips) and reloads when it changes. Keeps the last data while reloading. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | Error>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    if (path === null) return;
    const id = ++current.current;
    const ctrl = new AbortController();
    setLoading(true);
    const preloaded = takePreloaded<T>(path);
    (preloaded ? preloaded.catch(() => api<T>(path, { signal: ctrl.signal })) : api<T>(path, { signal: ctrl.signal }))
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
  }, [path, tick]);
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
