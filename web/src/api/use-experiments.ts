/** Loads several experiments with their summaries at once (a page that needs them all before it can draw). */
import { useEffect, useState } from 'react';
import type { ExperimentOut, ExperimentSummaryOut } from '../../../schema/wire/experiments.ts';
import { api } from './client.ts';

export type ExperimentWithSummary = ExperimentOut & { summary: ExperimentSummaryOut };

/**
 * GETs /v1/experiments/{id} for each id (ids or names), keyed by both the id and the name
 * asked for. `reload` loads them again (after pinning a baseline).
 */
export function useExperiments(ids: readonly string[]) {
  const key = ids.join(',');
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ key: string; data?: Map<string, ExperimentWithSummary>; error?: Error }>({ key: '' });
  useEffect(() => {
    if (!key) return;
    const ctrl = new AbortController();
    const asked = key.split(',');
    Promise.all(asked.map((id) => api<ExperimentWithSummary>(`/v1/experiments/${encodeURIComponent(id)}`, { signal: ctrl.signal })))
      .then((all) => {
        const map = new Map<string, ExperimentWithSummary>();
        all.forEach((e, i) => {
          map.set(e.id, e);
          map.set(asked[i], e);
        });
        setState({ key, data: map });
      })
      .catch((error: Error) => {
        if (error.name !== 'AbortError') setState({ key, error });
      });
    return () => ctrl.abort();
  }, [key, tick]);
  const current = state.key === key ? state : { key, data: undefined, error: undefined };
  return { ...current, reload: () => setTick((t) => t + 1) };
}
