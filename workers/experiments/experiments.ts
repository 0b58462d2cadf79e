/**
 * Experiments in D1: create one over a pinned dataset version, record its runs (one per
 * example and repetition; a retried post rewrites the same run, errored runs are kept),
 * read them back as RunScores (scores are the feedback on each run's trace), pin a
 * baseline per dataset. Every statement filters on project_id.
 */
import type { z } from 'zod';
import type { ExperimentCreate, ExperimentOut, ExperimentRunIn, ExperimentRunOut } from '../../schema/wire/experiments.ts';
import { ExperimentRunIn as RunInSchema } from '../../schema/wire/experiments.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { hex, sha256, stableId } from '../platform/ids.ts';
import { writeFeedback, type FeedbackInput } from '../store/feedback.ts';
import type { RunScores } from './runs.ts';
import { checkEvaluators, scoreRecordedRuns } from './score-runs.ts';
import { langsmithRunsToRecord } from './langsmith-runs.ts';

interface ExperimentRow {
  id: string;
  name: string;
  dataset_id: string;
  dataset_version: number;
  description: string | null;
  candidate: string;
  repetitions: number;
  evaluators: string;
  metadata: string | null;
  status: 'running' | 'completed';
  gate_failed_at: number | null;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  baseline: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

const SELECT = `SELECT e.*, (b.experiment_id IS NOT NULL) AS baseline FROM experiments e
  LEFT JOIN experiment_baselines b ON b.project_id = e.project_id AND b.dataset_id = e.dataset_id AND b.experiment_id = e.id`;

function experimentOut(r: ExperimentRow): ExperimentOut {
  return {
    id: r.id,
    name: r.name,
    dataset_id: r.dataset_id,
    dataset_version: r.dataset_version,
    description: r.description,
    candidate: JSON.parse(r.candidate),
    repetitions: r.repetitions,
    evaluators: JSON.parse(r.evaluators),
    metadata: r.metadata ? JSON.parse(r.metadata) : {},
    status: r.status,
    baseline: Boolean(r.baseline),
    gate_failed: r.gate_failed_at !== null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    ended_at: r.ended_at === null ? null : iso(r.ended_at),
  };
}

/** The experiment's row, by id or by name. Throws 404 when the project has none. */
export async function getExperiment(env: Env, projectId: string, idOrName: string): Promise<ExperimentOut> {
  const row = await dbFor(env, projectId)
    .prepare(`${SELECT} WHERE e.project_id = ?1 AND (e.id = ?2 OR e.name = ?2) ORDER BY e.id = ?2 DESC LIMIT 1`)
    .bind(projectId, idOrName)
    .first<ExperimentRow>();
  if (!row) throw new ApiError(404, 'not_found', `experiment ${idOrName} not found`, 'experiment');
  return experimentOut(row);
}

/** Experiments of the project (of one dataset when given), newest first. */
export async function listExperiments(env: Env, projectId: string, opts: { datasetId?: string; limit?: number } = {}): Promise<ExperimentOut[]> {
  const { results } = await dbFor(env, projectId)
    .prepare(`${SELECT} WHERE e.project_id = ?1 AND (?2 IS NULL OR e.dataset_id = ?2) ORDER BY e.created_at DESC, e.id LIMIT ?3`)
    .bind(projectId, opts.datasetId ?? null, opts.limit ?? 100)
    .all<ExperimentRow>();
  return results.map(experimentOut);
}

/**
 * Creates an experiment. `datasetVersion` is the version resolved by the caller (the
 * datasets room owns versions). A taken name is a 409, which LangSmith SDKs expect and
 * answer by retrying under a new name.
 */
export async function createExperiment(
  env: Env,
  projectId: string,
  body: Omit<z.output<typeof ExperimentCreate>, 'target'> & { dataset_version: number },
  opts: { id?: string; now?: number; also?: D1PreparedStatement[] } = {},
): Promise<ExperimentOut> {
  const now = opts.now ?? Date.now();
  const id = opts.id ?? crypto.randomUUID();
  const db = dbFor(env, projectId);
  const taken = await db.prepare('SELECT id FROM experiments WHERE project_id = ?1 AND name = ?2').bind(projectId, body.name).first();
  if (taken) throw new ApiError(409, 'conflict', `an experiment named ${body.name} already exists`, 'name');
  await checkEvaluators(env, projectId, body.evaluators ?? []);
  const insert = db
    .prepare(
      `INSERT INTO experiments (project_id, id, name, dataset_id, dataset_version, description, candidate, repetitions, evaluators, metadata, status, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'running', ?11, ?11)`,
    )
    .bind(
      projectId,
      id,
      body.name,
      body.dataset_id,
      body.dataset_version,
      body.description ?? null,
      JSON.stringify(body.candidate ?? {}),
      body.repetitions,
      JSON.stringify(body.evaluators ?? []),
      body.metadata && Object.keys(body.metadata).length ? JSON.stringify(body.metadata) : null,
      now,
    );
  // The experiment and what comes with it (a server-side target and its runs) commit together.
  await db.batch([insert, ...(opts.also ?? [])]);
  return getExperiment(env, projectId, id);
}

/** Replaces an experiment's free metadata (LangSmith's session update sends it whole). */
export async function setExperimentMetadata(env: Env, projectId: string, id: string, metadata: Record<string, unknown>, now = Date.now()): Promise<void> {
  await dbFor(env, projectId)
    .prepare('UPDATE experiments SET metadata = ?3, updated_at = ?4 WHERE project_id = ?1 AND id = ?2')
    .bind(projectId, id, Object.keys(metadata).length ? JSON.stringify(metadata) : null, now)
    .run();
}

/** Marks an experiment completed (runners call it after the last run; more runs may still come, e.g. a resume). */
export async function endExperiment(env: Env, projectId: string, id: string, now = Date.now()): Promise<ExperimentOut> {
  const e = await getExperiment(env, projectId, id);
  await dbFor(env, projectId)
    .prepare(`UPDATE experiments SET status = 'completed', ended_at = ?3, updated_at = ?3 WHERE project_id = ?1 AND id = ?2`)
    .bind(projectId, e.id, now)
    .run();
  return getExperiment(env, projectId, e.id);
}

/** The default trace id of a run: 32 hex digits derived from (experiment, example, repetition), so a resumed run keeps its trace. */
export async function runTraceId(experimentId: string, exampleId: string, repetition: number): Promise<string> {
  return hex(await sha256(`${experimentId}\u0000${exampleId}\u0000${repetition}`)).slice(0, 32);
}

// D1: 100 bound parameters per statement, so the runs go in as one JSON parameter.
const UPSERT_RUNS = `INSERT INTO experiment_runs (project_id, experiment_id, example_id, repetition, trace_id, output, error, latency_ms, tokens, cost_usd, created_at, updated_at)
SELECT ?1, ?2, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, ?3, ?3 FROM json_each(?4) j WHERE true
ON CONFLICT (project_id, experiment_id, example_id, repetition) DO UPDATE SET
  trace_id = excluded.trace_id, output = excluded.output, error = excluded.error, latency_ms = excluded.latency_ms,
  tokens = excluded.tokens, cost_usd = excluded.cost_usd, updated_at = excluded.updated_at`;

/**
 * Scores one request may carry. Each becomes a feedback upsert in the same D1 batch, and
 * D1 allows 1,000 queries per Worker invocation: the runs themselves are one statement.
 */
export const MAX_SCORES_PER_REQUEST = 900;

/**
 * Records runs (and the runner's own scores, as feedback on each run's trace) in one D1
 * batch, so a failed post leaves nothing half-written and a retry rewrites the same rows.
 */
export async function recordRuns(env: Env, projectId: string, experimentId: string, runs: readonly ExperimentRunIn[], now = Date.now()): Promise<{ recorded: number }> {
  const e = await getExperiment(env, projectId, experimentId);
  const db = dbFor(env, projectId);
  const rows: unknown[][] = [];
  const feedback: FeedbackInput[] = [];
  for (const [i, raw] of runs.entries()) {
    const r = RunInSchema.parse(raw);
    if (r.repetition >= e.repetitions) {
      throw new ApiError(400, 'invalid_request', `runs[${i}].repetition: ${r.repetition} is beyond the experiment's ${e.repetitions} repetition(s) (0-based)`, `runs[${i}].repetition`);
    }
    const traceId = r.trace_id ?? (await runTraceId(e.id, r.example_id, r.repetition));
    rows.push([r.example_id, r.repetition, traceId, r.output === undefined ? null : JSON.stringify(r.output), r.error ?? null, r.latency_ms ?? null, r.tokens ?? null, r.cost ?? null]);
    for (const [key, score] of Object.entries(r.scores ?? {})) {
      if (feedback.length >= MAX_SCORES_PER_REQUEST) {
        throw new ApiError(400, 'invalid_request', `runs[${i}].scores: at most ${MAX_SCORES_PER_REQUEST} scores per request; post fewer runs at a time`, `runs[${i}].scores`);
      }
      // One id per (experiment, example, repetition, key): a re-posted run rewrites its score.
      feedback.push({ id: await stableId('fb_', `${e.id}\u0000${r.example_id}\u0000${r.repetition}\u0000${key}`), trace_id: traceId, key, score, source: 'evaluator', metadata: { experiment_id: e.id } });
    }
  }
  const statements = [
    db.prepare(UPSERT_RUNS).bind(projectId, e.id, now, JSON.stringify(rows)),
    db.prepare('UPDATE experiments SET updated_at = ?3 WHERE project_id = ?1 AND id = ?2').bind(projectId, e.id, now),
  ];
  await writeFeedback(env, projectId, feedback, { also: statements, now });
  // The experiment's evaluators score the runs whose trace is already complete; the rest when it completes.
  await scoreRecordedRuns(env, projectId, e, rows.map((r) => r[2] as string));
  return { recorded: runs.length };
}

interface RunRow {
  example_id: string;
  repetition: number;
  trace_id: string;
  output: string | null;
  error: string | null;
  latency_ms: number | null;
  tokens: number | null;
  cost_usd: number | null;
  key: string | null;
  score: number | null;
}

// Newest feedback per key wins (a re-score replaces the older score of the same key).
const RUNS_WITH_SCORES = `SELECT r.example_id, r.repetition, r.trace_id, r.output, r.error, r.latency_ms, r.tokens, r.cost_usd, f.key, f.score
FROM experiment_runs r
LEFT JOIN feedback f ON f.project_id = r.project_id AND f.trace_id = r.trace_id AND f.score IS NOT NULL
WHERE r.project_id = ?1 AND r.experiment_id = ?2
ORDER BY r.example_id, r.repetition, f.updated_at`;

/** An experiment's runs with their scores, as the API shows them. */
export async function listRuns(env: Env, projectId: string, experimentId: string): Promise<ExperimentRunOut[]> {
  // Runs a LangSmith SDK posted join once their traces are indexed (see langsmith-runs.ts).
  const fromLangsmith = await langsmithRunsToRecord(env, projectId, experimentId);
  if (fromLangsmith.length) await recordRuns(env, projectId, experimentId, fromLangsmith);
  const { results } = await dbFor(env, projectId).prepare(RUNS_WITH_SCORES).bind(projectId, experimentId).all<RunRow>();
  const out = new Map<string, ExperimentRunOut>();
  for (const row of results) {
    const id = `${row.example_id}\u0000${row.repetition}`;
    let run = out.get(id);
    if (!run) {
      run = {
        example_id: row.example_id,
        repetition: row.repetition,
        trace_id: row.trace_id,
        output: row.output === null ? null : JSON.parse(row.output),
        error: row.error,
        latency_ms: row.latency_ms,
        tokens: row.tokens,
        cost: row.cost_usd,
        scores: {},
      };
      out.set(id, run);
    }
    if (row.key !== null && row.score !== null) run.scores[row.key] = row.score;
  }
  return [...out.values()];
}

// The comparison's read: no outputs (compare never looks at them), rows as arrays, and
// feedback read through its covering index (project_id, trace_id, key, score) only; the
// rare run with two scores of one key is settled by a second, small query.
const RUN_SCORES = `SELECT r.example_id, r.repetition, r.trace_id, r.error, r.latency_ms, r.tokens, r.cost_usd, f.key, f.score
FROM experiment_runs r
LEFT JOIN feedback f ON f.project_id = r.project_id AND f.trace_id = r.trace_id AND f.score IS NOT NULL
WHERE r.project_id = ?1 AND r.experiment_id = ?2
ORDER BY r.example_id, r.repetition`;

type RunScoreRow = [string, number, string, string | null, number | null, number | null, number | null, string | null, number | null];

/**
 * An experiment's runs in the comparison core's shape, read for speed (compare and gate
 * over 10,000-example experiments): the same scores as listRuns, newest per key.
 */
export async function loadRunScores(env: Env, projectId: string, experimentId: string): Promise<RunScores[]> {
  // As listRuns: runs a LangSmith SDK posted join once their traces are indexed.
  const fromLangsmith = await langsmithRunsToRecord(env, projectId, experimentId);
  if (fromLangsmith.length) await recordRuns(env, projectId, experimentId, fromLangsmith);
  const db = dbFor(env, projectId);
  const rows = await db.prepare(RUN_SCORES).bind(projectId, experimentId).raw<RunScoreRow>();
  const out: RunScores[] = [];
  const byTrace = new Map<string, RunScores[]>();
  const twice = new Set<string>();
  let last: RunScores | null = null;
  let lastId = '';
  for (const [exampleId, repetition, traceId, error, latencyMs, tokens, cost, key, score] of rows) {
    const id = `${exampleId}\u0000${repetition}`;
    if (!last || id !== lastId) {
      last = { exampleId, repetition, scores: {}, error, latencyMs, tokens, cost };
      lastId = id;
      out.push(last);
      const list = byTrace.get(traceId);
      if (list) list.push(last);
      else byTrace.set(traceId, [last]);
    }
    if (key === null || score === null) continue;
    if (key in last.scores) {
      twice.add(traceId);
      continue;
    }
    last.scores[key] = score;
  }
  if (twice.size) {
    // D1: 100 bound parameters per statement, so the ids go in as one JSON parameter.
    const ids = [...twice];
    for (let i = 0; i < ids.length; i += 1000) {
      const fix = await db
        .prepare('SELECT trace_id, key, score FROM feedback WHERE project_id = ?1 AND trace_id IN (SELECT value FROM json_each(?2)) AND score IS NOT NULL ORDER BY updated_at')
        .bind(projectId, JSON.stringify(ids.slice(i, i + 1000)))
        .raw<[string, string, number]>();
      for (const [traceId, key, score] of fix) for (const run of byTrace.get(traceId) ?? []) run.scores[key] = score;
    }
  }
  return out;
}

/** An experiment's runs in the comparison core's shape. */
export function runScores(runs: readonly ExperimentRunOut[]): RunScores[] {
  return runs.map((r) => ({ exampleId: r.example_id, repetition: r.repetition, scores: r.scores, error: r.error, latencyMs: r.latency_ms, tokens: r.tokens, cost: r.cost }));
}

/** Pins an experiment as its dataset's baseline. A candidate whose gate failed is refused (409). */
export async function pinBaseline(env: Env, projectId: string, experimentId: string, by: string | null, now = Date.now()): Promise<ExperimentOut> {
  const e = await getExperiment(env, projectId, experimentId);
  if (e.gate_failed) throw new ApiError(409, 'conflict', `experiment ${e.name} failed its gate and cannot become the baseline`, 'experiment');
  const db = dbFor(env, projectId);
  // The dataset-wide pin and the pin of the experiment's own version, in one transaction.
  await db.batch([
    db
      .prepare(
        `INSERT INTO experiment_baselines (project_id, dataset_id, experiment_id, pinned_at, pinned_by) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (project_id, dataset_id) DO UPDATE SET experiment_id = excluded.experiment_id, pinned_at = excluded.pinned_at, pinned_by = excluded.pinned_by`,
      )
      .bind(projectId, e.dataset_id, e.id, now, by),
    db
      .prepare(
        `INSERT INTO experiment_version_baselines (project_id, dataset_id, dataset_version, experiment_id, pinned_at, pinned_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (project_id, dataset_id, dataset_version) DO UPDATE SET experiment_id = excluded.experiment_id, pinned_at = excluded.pinned_at, pinned_by = excluded.pinned_by`,
      )
      .bind(projectId, e.dataset_id, e.dataset_version, e.id, now, by),
  ]);
  return getExperiment(env, projectId, e.id);
}

/** The experiment pinned as the dataset's baseline, or null. */
export async function baselineOf(env: Env, projectId: string, datasetId: string): Promise<ExperimentOut | null> {
  const row = await dbFor(env, projectId)
    .prepare('SELECT experiment_id FROM experiment_baselines WHERE project_id = ?1 AND dataset_id = ?2')
    .bind(projectId, datasetId)
    .first<{ experiment_id: string }>();
  return row ? getExperiment(env, projectId, row.experiment_id) : null;
}

/** The experiment pinned as the baseline of one dataset version, or null. */
export async function versionBaselineOf(env: Env, projectId: string, datasetId: string, version: number): Promise<ExperimentOut | null> {
  const row = await dbFor(env, projectId)
    .prepare('SELECT experiment_id FROM experiment_version_baselines WHERE project_id = ?1 AND dataset_id = ?2 AND dataset_version = ?3')
    .bind(projectId, datasetId, version)
    .first<{ experiment_id: string }>();
  return row ? getExperiment(env, projectId, row.experiment_id) : null;
}

/** Records a gate verdict on the candidate: a failed gate keeps it from ever being pinned as baseline. */
export async function recordGate(env: Env, projectId: string, experimentId: string, pass: boolean, now = Date.now()): Promise<void> {
  await dbFor(env, projectId)
    .prepare('UPDATE experiments SET gate_failed_at = ?3, updated_at = ?4 WHERE project_id = ?1 AND id = ?2')
    .bind(projectId, experimentId, pass ? null : now, now)
    .run();
}
