/**
 * What review needs from datasets, without importing them: datasets sit on a higher floor
 * (docs/architecture.md, "Floors"; they read review's feedback), so a queue that names a
 * dataset reaches it through this port, which the Worker entry connects at load
 * (workers/index.ts -> datasets/from-review.ts). The review hub runs in the same isolate
 * as the entry module, so it sees the connection too.
 */
import type { PendingExample } from './hub/dataset-examples.ts';

export interface DatasetPort {
  /** The id of the project's dataset with this id or name, or null. */
  resolve(env: Env, projectId: string, nameOrId: string): Promise<string | null>;
  /** Writes finished items as examples (idempotent: a re-delivered item changes nothing). */
  writeExamples(env: Env, projectId: string, items: PendingExample[]): Promise<void>;
}

let connected: DatasetPort | null = null;

/** Connects datasets (the Worker entry calls it once). */
export function connectDatasets(port: DatasetPort): void {
  connected = port;
}

/** The connected port; throws (so the hub's outbox retries) when the entry never connected one. */
export function datasetPort(): DatasetPort {
  if (!connected) throw new Error('review: no dataset port connected (workers/index.ts connects datasets/from-review.ts)');
  return connected;
}
