/**
 * The ledger of trace signals (`trace_signals`, schema/db/ingest.ts): every "look at this
 * trace" message to the evaluation rules (channel `evals`) or the routing rules (channel
 * `review`) is recorded before it is sent and cleared by its consumer once handled, so the
 * sweeper can re-send what a lost message (a killed `wrangler dev`, a dead-lettered
 * delivery) left behind. Messages are delayed by the quiet period, which makes them the
 * ones most exposed to a crash.
 */
import { dbFor } from '../platform/db.ts';

export type SignalChannel = 'evals' | 'review';

// D1: 100 bound parameters per statement, so entries go in as one JSON parameter.
const UPSERT = `
INSERT INTO trace_signals (project_id, channel, trace_id, updated_at, due_at)
SELECT ?1, ?2, j.value ->> 0, j.value ->> 1, ?3 FROM json_each(?4) j WHERE true
ON CONFLICT (project_id, channel, trace_id) DO UPDATE SET
  updated_at = max(trace_signals.updated_at, excluded.updated_at), due_at = max(trace_signals.due_at, excluded.due_at)`;

/** Records signals ([trace id, updated_at] each) that will be delivered at `dueAt`. */
export async function recordSignals(env: Env, projectId: string, channel: SignalChannel, entries: readonly (readonly [string, number])[], dueAt: number): Promise<void> {
  if (!entries.length) return;
  await dbFor(env, projectId).prepare(UPSERT).bind(projectId, channel, dueAt, JSON.stringify(entries)).run();
}

/**
 * Clears handled signals: each [trace id, updated_at] clears the row only if it is not
 * newer (a later signal for the trace is still owed its own handling).
 */
export async function clearSignals(env: Env, projectId: string, channel: SignalChannel, entries: readonly (readonly [string, number])[]): Promise<void> {
  if (!entries.length) return;
  await dbFor(env, projectId)
    .prepare(
      `DELETE FROM trace_signals WHERE project_id = ?1 AND channel = ?2 AND EXISTS
         (SELECT 1 FROM json_each(?3) j WHERE j.value ->> 0 = trace_signals.trace_id AND j.value ->> 1 >= trace_signals.updated_at)`,
    )
    .bind(projectId, channel, JSON.stringify(entries))
    .run();
}
