/**
 * An isolate-local cache of experiments' run scores, so comparing (and gating) the same
 * 10,000-example experiments again does not re-read 20,000 joined rows from D1.
 *
 * Why it is safe: every read first asks D1 for the experiment's fingerprint (how many runs
 * and scores it has and when each last changed), one small aggregate row, and uses the
 * cached runs only when the fingerprint is unchanged. A new run, a re-posted run, a new or
 * re-scored feedback row, or a deleted one all change it. Isolates are per location and
 * short-lived, so the cache only ever saves work; it never holds the only copy of anything.
 *
 * Workers: an isolate has 128 MB, so the cache is bounded by the runs it holds (LRU).
 */
import type { RunScores } from './runs.ts';

/** Most runs held across all cached experiments (~100 bytes each plus their scores). */
const MAX_RUNS = 200_000;

interface Entry {
  fingerprint: string;
  runs: readonly RunScores[];
}

// Map iteration order is insertion order: re-inserting on a hit makes it the newest.
const entries = new Map<string, Entry>();
let held = 0;

function keyOf(projectId: string, experimentId: string): string {
  return `${projectId}\u0000${experimentId}`;
}

/** The cached runs of an experiment, if they were read at this fingerprint. */
export function cachedRunScores(projectId: string, experimentId: string, fingerprint: string): readonly RunScores[] | null {
  const key = keyOf(projectId, experimentId);
  const hit = entries.get(key);
  if (!hit) return null;
  entries.delete(key);
  if (hit.fingerprint !== fingerprint) {
    held -= hit.runs.length;
    return null;
  }
  entries.set(key, hit);
  return hit.runs;
}

/** Keeps an experiment's runs read at this fingerprint, evicting the least recently used. */
export function cacheRunScores(projectId: string, experimentId: string, fingerprint: string, runs: readonly RunScores[]): void {
  if (runs.length > MAX_RUNS) return;
  const key = keyOf(projectId, experimentId);
  const old = entries.get(key);
  if (old) {
    entries.delete(key);
    held -= old.runs.length;
  }
  entries.set(key, { fingerprint, runs });
  held += runs.length;
  for (const [k, e] of entries) {
    if (held <= MAX_RUNS) break;
    entries.delete(k);
    held -= e.runs.length;
  }
}
