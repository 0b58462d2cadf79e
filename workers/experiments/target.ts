/**
 * Server-side experiments, against a deployed endpoint or as a prompt replay through a
 * provider: starting one (the experiment, its
 * target and one pending run per example and repetition, in one D1 transaction; then
 * `concurrency` worker slots on the "experiments" queue), its progress, and re-driving
 * targets whose slots were lost. The slots themselves run in target-slots.ts.
 *
 * Durability: the queue only carries "work on experiment X" slots; which runs are left
 * lives in D1 (experiment_target_runs), so a slot lost with a local queue on restart, or
 * dead-lettered, costs nothing but time: redriveTargets (the scheduled handler, or
 * POST /v1/experiments/{id}/target/resume) sends fresh slots for targets with runs left
 * and no recent activity.
 */
import type { z } from 'zod';
import type { ExperimentCreate, ExperimentOut, ExperimentReplay, ExperimentTarget, ExperimentTargetOut } from '../../schema/wire/experiments.ts';
import { loadProvider } from '../llm/providers.ts';
import type { ExperimentSlotMessage } from '../../schema/queues.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { checkEndpointUrl } from '../platform/outbound.ts';
import { encryptSecret, type SealedColumn } from '../platform/secrets.ts';
import { sendInBatches } from '../platform/queues.ts';
import { findDataset, listExamples } from '../datasets/examples.ts';
import { createExperiment, getExperiment } from './experiments.ts';

/** The context a target's secret is sealed under: it opens only for this project and experiment. */
export const targetSecretContext = (projectId: string, experimentId: string) => `experiment-target:${projectId}:${experimentId}`;

/** Where targets' signing secrets are sealed, for key rotation (platform/secrets.ts reencryptColumn). */
export const targetSecretColumn: SealedColumn = {
  table: 'experiment_targets',
  keys: ['project_id', 'experiment_id'],
  sealed: 'secret_ciphertext',
  set: 'secret_ciphertext = ?',
  context: (r) => targetSecretContext(r.project_id, r.experiment_id),
};

/** Most runs (examples x repetitions) one server-side experiment may have. */
export const MAX_TARGET_RUNS = 100_000;

/** Sends `n` worker slots for an experiment. */
export function sendSlots(env: Env, projectId: string, experimentId: string, n: number, delaySeconds = 0): Promise<void> {
  const slots: ExperimentSlotMessage[] = Array.from({ length: n }, () => ({ v: 1, type: 'slot', project_id: projectId, experiment_id: experimentId }));
  return sendInBatches<ExperimentSlotMessage>(env.EXPERIMENT_QUEUE as Queue<ExperimentSlotMessage>, slots, delaySeconds ? { delaySeconds } : {});
}

/**
 * Creates a server-side experiment: checks the target and the dataset (a Loupe dataset
 * with examples at the pinned version), writes everything in one transaction, then sends
 * the slots. `send: false` leaves the slots unsent (a test of re-driving).
 */
export async function startTargetExperiment(
  env: Env,
  projectId: string,
  body: z.output<typeof ExperimentCreate> & { dataset_version: number },
  opts: { send?: boolean } = {},
): Promise<ExperimentOut> {
  if (body.target && body.replay) throw new ApiError(400, 'invalid_request', 'replay: give target (an endpoint) or replay (a provider), not both', 'replay');
  const runner = body.target ? await endpointRunner(body.target) : await replayRunner(env, projectId, body.replay!);
  if (!(await findDataset(env, projectId, body.dataset_id))) {
    throw new ApiError(400, 'invalid_request', `target: a server-side experiment runs the examples of a Loupe dataset, and ${body.dataset_id} is none`, 'dataset_id');
  }
  const exampleIds: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await listExamples(env, projectId, body.dataset_id, { version: body.dataset_version, cursor, limit: 1000 });
    for (const e of page.examples) exampleIds.push(e.id);
    cursor = page.next;
  } while (cursor);
  if (!exampleIds.length) throw new ApiError(400, 'invalid_request', `dataset_version: version ${body.dataset_version} of the dataset has no examples to run`, 'dataset_version');
  const total = exampleIds.length * body.repetitions;
  if (total > MAX_TARGET_RUNS) throw new ApiError(400, 'invalid_request', `repetitions: ${total} runs (examples x repetitions) is over the ${MAX_TARGET_RUNS} a server-side experiment may have`, 'repetitions');

  const id = crypto.randomUUID();
  const now = Date.now();
  const db = dbFor(env, projectId);
  const secret = runner.secret ? await encryptSecret(env, runner.secret, targetSecretContext(projectId, id)) : null;
  const also: D1PreparedStatement[] = [
    db
      .prepare(
        `INSERT INTO experiment_targets (project_id, experiment_id, kind, url, replay, secret_ciphertext, headers, timeout_ms, concurrency, max_attempts, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'running', ?11, ?11)`,
      )
      .bind(projectId, id, runner.kind, runner.url, runner.replay ? JSON.stringify(runner.replay) : null, secret, runner.headers ? JSON.stringify(runner.headers) : null, runner.timeoutMs, runner.concurrency, runner.maxAttempts, now),
  ];
  // D1: 100 bound parameters per statement, so the runs go in as one JSON parameter, 1,000 at a time.
  const insertRuns = db.prepare(
    `INSERT INTO experiment_target_runs (project_id, experiment_id, example_id, repetition, state, attempts, not_before, updated_at)
     SELECT ?1, ?2, j.value ->> 0, j.value ->> 1, 'pending', 0, 0, ?3 FROM json_each(?4) j WHERE true`,
  );
  const rows: [string, number][] = [];
  for (const exampleId of exampleIds) for (let rep = 0; rep < body.repetitions; rep++) rows.push([exampleId, rep]);
  for (let i = 0; i < rows.length; i += 1000) also.push(insertRuns.bind(projectId, id, now, JSON.stringify(rows.slice(i, i + 1000))));
  const { target: _t, replay: _r, ...experiment } = body;
  const e = await createExperiment(env, projectId, experiment, { id, now, also });
  if (opts.send !== false) await sendSlots(env, projectId, id, Math.min(runner.concurrency, total));
  return e;
}

/** What a target row is made of. */
interface Runner {
  kind: 'endpoint' | 'replay';
  url: string | null;
  secret: string | null;
  headers: Record<string, string> | null;
  replay: StoredReplay | null;
  timeoutMs: number;
  concurrency: number;
  maxAttempts: number;
}

/** A replay as stored: the model resolved at start, so the experiment says what it ran. */
export interface StoredReplay {
  provider_id: string;
  model: string;
  /** undefined: keep each example's system message; null: drop it; text: replace it. */
  system?: string | null;
  temperature: number;
  max_tokens: number;
  messages_path: string;
}

async function endpointRunner(t: z.output<typeof ExperimentTarget>): Promise<Runner> {
  const bad = checkEndpointUrl(t.url);
  if (bad) throw new ApiError(400, 'invalid_request', `target.url ${bad}`, 'target.url');
  return { kind: 'endpoint', url: t.url, secret: t.secret ?? null, headers: t.headers ?? null, replay: null, timeoutMs: t.timeout_ms, concurrency: t.concurrency, maxAttempts: t.max_attempts };
}

async function replayRunner(env: Env, projectId: string, r: z.output<typeof ExperimentReplay>): Promise<Runner> {
  const provider = await loadProvider(env, projectId, r.provider_id);
  if (!provider) throw new ApiError(400, 'invalid_request', `replay.provider_id: provider '${r.provider_id}' not found in this project`, 'replay.provider_id');
  if (!provider.chat) throw new ApiError(400, 'invalid_request', `replay.provider_id: ${provider.type} providers cannot replay chats; use an OpenAI-compatible or Anthropic connection`, 'replay.provider_id');
  const model = r.model ?? provider.defaultModel;
  if (!model) throw new ApiError(400, 'invalid_request', "replay.model: give a model, or set the provider's default_model", 'replay.model');
  const replay: StoredReplay = { provider_id: provider.id, model, temperature: r.temperature, max_tokens: r.max_tokens, messages_path: r.messages_path, ...(r.system !== undefined ? { system: r.system } : {}) };
  // The provider's own limit applies to every caller of it; the replay never asks for more.
  return { kind: 'replay', url: null, secret: null, headers: null, replay, timeoutMs: r.timeout_ms, concurrency: Math.min(r.concurrency, provider.maxConcurrency), maxAttempts: r.max_attempts };
}

interface TargetRow {
  experiment_id: string;
  kind: 'endpoint' | 'replay';
  url: string | null;
  replay: string | null;
  secret_ciphertext: string | null;
  timeout_ms: number;
  concurrency: number;
  max_attempts: number;
  status: 'running' | 'done';
}

/** A server-side experiment's target and how far its runs are. 404 when the experiment has no target. */
export async function targetProgress(env: Env, projectId: string, idOrName: string): Promise<ExperimentTargetOut> {
  const e = await getExperiment(env, projectId, idOrName);
  const db = dbFor(env, projectId);
  const t = await db.prepare('SELECT * FROM experiment_targets WHERE project_id = ?1 AND experiment_id = ?2').bind(projectId, e.id).first<TargetRow>();
  if (!t) throw new ApiError(404, 'not_found', `experiment ${e.name} is not a server-side experiment (it has no target)`, 'experiment');
  const { results } = await db
    .prepare('SELECT state, COUNT(*) AS n FROM experiment_target_runs WHERE project_id = ?1 AND experiment_id = ?2 GROUP BY state')
    .bind(projectId, e.id)
    .all<{ state: 'pending' | 'running' | 'done' | 'errored'; n: number }>();
  const runs = { pending: 0, running: 0, done: 0, errored: 0 };
  for (const r of results) runs[r.state] = r.n;
  const replay = t.replay ? (JSON.parse(t.replay) as StoredReplay) : null;
  return {
    experiment_id: e.id,
    kind: t.kind,
    url: t.url,
    signed: t.secret_ciphertext !== null,
    replay: replay ? { provider_id: replay.provider_id, model: replay.model, ...(replay.system !== undefined ? { system: replay.system } : {}), temperature: replay.temperature, max_tokens: replay.max_tokens } : null,    timeout_ms: t.timeout_ms,
    concurrency: t.concurrency,
    max_attempts: t.max_attempts,
    status: t.status,
    runs,
  };
}

/** How long a target may go without any run changing before its slots count as lost. */
const staleAfterMs = (timeoutMs: number) => timeoutMs + 60_000;

/**
 * Sends fresh slots to running targets with runs left and no run touched for longer than
 * a call can take (their slots were lost). Extra slots are harmless: a claim beyond the
 * concurrency finds it taken and the slot ends. Only `experimentId` when given.
 */
export async function redriveTargets(env: Env, opts: { projectId?: string; experimentId?: string; now?: number; force?: boolean } = {}): Promise<number> {
  const now = opts.now ?? Date.now();
  // Across projects for the scheduled handler: the query reads only ids and is scoped again per target below.
  const db = opts.projectId ? dbFor(env, opts.projectId) : env.DB;
  const { results } = await db
    .prepare(
      `SELECT t.project_id, t.experiment_id, t.timeout_ms, t.concurrency,
         (SELECT MAX(r.updated_at) FROM experiment_target_runs r WHERE r.project_id = t.project_id AND r.experiment_id = t.experiment_id) AS touched,
         (SELECT COUNT(*) FROM experiment_target_runs r WHERE r.project_id = t.project_id AND r.experiment_id = t.experiment_id AND r.state IN ('pending', 'running')) AS remaining
       FROM experiment_targets t WHERE t.status = 'running' AND (?1 IS NULL OR t.project_id = ?1) AND (?2 IS NULL OR t.experiment_id = ?2) LIMIT 500`,
    )
    .bind(opts.projectId ?? null, opts.experimentId ?? null)
    .all<{ project_id: string; experiment_id: string; timeout_ms: number; concurrency: number; touched: number | null; remaining: number }>();
  let sent = 0;
  for (const t of results) {
    if (!t.remaining) continue;
    if (!opts.force && (t.touched ?? 0) > now - staleAfterMs(t.timeout_ms)) continue;
    await sendSlots(env, t.project_id, t.experiment_id, Math.min(t.concurrency, t.remaining));
    sent++;
  }
  return sent;
}
