/**
 * Online rules: a filter in the shared language (rejected at write time if it does not
 * parse), a sampling rate, the evaluators to run, optionally a dataset to add matching
 * traces to (the "add to dataset" action), an active flag. Each rule has one
 * `online` run (new traces as they complete) and any number of backfill runs. A thread
 * rule (target `thread`) has instead one `thread` run: conversations evaluated once idle
 * (threads.ts); it takes no backfill and no dataset action.
 */
import type { z } from 'zod';
import { DEFAULT_IDLE_MINUTES, type RuleCreate, type RuleOut, type RulePatch } from '../../schema/wire/rules.ts';
import type { RuleTarget } from '../../schema/db/evals.ts';
import { dbFor } from '../platform/db.ts';
import { compileQuery } from '../store/filter.ts';
import { ApiError } from '../platform/errors.ts';
import { existingEvaluatorIds } from './evaluators.ts';

/** A rule as stored. */
export interface Rule {
  id: string;
  name: string;
  filter: string;
  samplingRate: number;
  evaluatorIds: string[];
  /** The dataset action: matching traces are added to this dataset (id); null: none. */
  datasetId: string | null;
  active: boolean;
  /** `trace`: each trace as it completes; `thread`: each idle conversation. */
  target: RuleTarget;
  /** Thread rules: minutes without a new turn before the thread is evaluated. */
  idleMinutes: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The run of a thread rule (its eval_matches rows are keyed by the thread's last trace). */
export const THREAD_RUN_ID = 'thread';

/** The run a rule's new work goes to: `online` for trace rules, `thread` for thread rules. */
export const liveRunId = (rule: Pick<Rule, 'target'>) => (rule.target === 'thread' ? THREAD_RUN_ID : 'online');

interface RuleRow {
  id: string;
  name: string;
  filter: string;
  sampling_rate: number;
  evaluator_ids: string;
  dataset_id: string | null;
  active: number;
  target: RuleTarget;
  idle_minutes: number | null;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: RuleRow): Rule => ({
  id: r.id,
  name: r.name,
  filter: r.filter,
  samplingRate: r.sampling_rate,
  evaluatorIds: JSON.parse(r.evaluator_ids),
  datasetId: r.dataset_id,
  active: r.active === 1,
  target: r.target ?? 'trace',
  idleMinutes: r.idle_minutes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A rule as the API shows it. */
export function ruleOut(r: Rule): RuleOut {
  return {
    id: r.id,
    name: r.name,
    filter: r.filter,
    sampling_rate: r.samplingRate,
    evaluator_ids: r.evaluatorIds,
    add_to_dataset: r.datasetId,
    active: r.active,
    target: r.target,
    idle_minutes: r.idleMinutes,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}

async function checkRule(env: Env, projectId: string, filter: string | undefined, evaluatorIds: string[] | undefined): Promise<void> {
  // A filter that does not parse (or compile) is rejected here, with its position.
  if (filter !== undefined) compileQuery(filter, 'traces', projectId, Date.now(), 'filter');
  if (evaluatorIds) {
    const existing = await existingEvaluatorIds(env, projectId, evaluatorIds);
    const i = evaluatorIds.findIndex((id) => !existing.has(id));
    if (i >= 0) throw new ApiError(400, 'invalid_request', `evaluator_ids[${i}]: no evaluator '${evaluatorIds[i]}' in this project`, `evaluator_ids[${i}]`);
  }
}

/**
 * The dataset a rule's action names (id or name), in this project, as its id. Read from the
 * datasets table directly: evals sits below datasets, so it reads the shared table rather
 * than importing the datasets room (the add itself is a message to the datasets queue).
 */
async function resolveDataset(env: Env, projectId: string, nameOrId: string): Promise<string> {
  const r = await dbFor(env, projectId)
    .prepare('SELECT id FROM datasets WHERE project_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1')
    .bind(projectId, nameOrId, nameOrId, nameOrId)
    .first<{ id: string }>();
  if (!r) throw new ApiError(400, 'invalid_request', `add_to_dataset: no dataset '${nameOrId}' in this project`, 'add_to_dataset');
  return r.id;
}

/** Creates a rule and its online run. */
export async function createRule(env: Env, projectId: string, body: z.output<typeof RuleCreate>): Promise<RuleOut> {
  const evaluatorIds = [...new Set(body.evaluator_ids)];
  await checkRule(env, projectId, body.filter, evaluatorIds);
  const datasetId = body.add_to_dataset ? await resolveDataset(env, projectId, body.add_to_dataset) : null;
  const id = `rule_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const now = Date.now();
  const target = body.target;
  const idleMinutes = target === 'thread' ? (body.idle_minutes ?? DEFAULT_IDLE_MINUTES) : null;
  const db = dbFor(env, projectId);
  await db.batch([
    db
      .prepare('INSERT INTO eval_rules (project_id, id, name, filter, sampling_rate, evaluator_ids, dataset_id, active, target, idle_minutes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .bind(projectId, id, body.name, body.filter.trim(), body.sampling_rate, JSON.stringify(evaluatorIds), datasetId, body.active ? 1 : 0, target, idleMinutes, now, now),
    db
      .prepare("INSERT INTO eval_runs (project_id, rule_id, id, kind, status, scanned, created_at, updated_at) VALUES (?, ?, ?, 'online', ?, 0, ?, ?)")
      .bind(projectId, id, liveRunId({ target }), body.active ? 'active' : 'paused', now, now),
  ]);
  return ruleOut({ id, name: body.name, filter: body.filter.trim(), samplingRate: body.sampling_rate, evaluatorIds, datasetId, active: body.active, target, idleMinutes, createdAt: now, updatedAt: now });
}

/** The project's rules, newest first. */
export async function listRules(env: Env, projectId: string): Promise<RuleOut[]> {
  const { results } = await dbFor(env, projectId).prepare('SELECT * FROM eval_rules WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 500').bind(projectId).all<RuleRow>();
  return results.map((r) => ruleOut(fromRow(r)));
}

/** One rule, or null. */
export async function loadRule(env: Env, projectId: string, id: string): Promise<Rule | null> {
  const r = await dbFor(env, projectId).prepare('SELECT * FROM eval_rules WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(projectId, id).first<RuleRow>();
  return r ? fromRow(r) : null;
}

/** One rule, or 404. */
export async function getRule(env: Env, projectId: string, id: string): Promise<Rule> {
  const r = await loadRule(env, projectId, id);
  if (!r) throw new ApiError(404, 'not_found', `rule '${id}' not found in this project`, 'id');
  return r;
}

/** The project's active trace rules (read by the evals consumer for every completed batch of traces). */
export async function activeRules(env: Env, projectId: string): Promise<Rule[]> {
  const { results } = await dbFor(env, projectId).prepare("SELECT * FROM eval_rules WHERE project_id = ? AND active = 1 AND deleted_at IS NULL AND target = 'trace'").bind(projectId).all<RuleRow>();
  return results.map(fromRow);
}

/** The active thread rules of every project in a database (for the idle-thread sweep). */
export async function activeThreadRules(db: D1Database): Promise<(Rule & { projectId: string })[]> {
  const { results } = await db.prepare("SELECT * FROM eval_rules WHERE active = 1 AND deleted_at IS NULL AND target = 'thread' LIMIT 1000").all<RuleRow & { project_id: string }>();
  return results.map((r) => ({ ...fromRow(r), projectId: r.project_id }));
}

/** Changes a rule. New settings apply to traces matched from now on. */
export async function updateRule(env: Env, projectId: string, id: string, patch: z.output<typeof RulePatch>): Promise<RuleOut> {
  const current = await getRule(env, projectId, id);
  const evaluatorIds = patch.evaluator_ids ? [...new Set(patch.evaluator_ids)] : undefined;
  await checkRule(env, projectId, patch.filter, evaluatorIds);
  const next: Rule = {
    ...current,
    name: patch.name ?? current.name,
    filter: patch.filter?.trim() ?? current.filter,
    samplingRate: patch.sampling_rate ?? current.samplingRate,
    evaluatorIds: evaluatorIds ?? current.evaluatorIds,
    datasetId: patch.add_to_dataset === undefined ? current.datasetId : patch.add_to_dataset === null ? null : await resolveDataset(env, projectId, patch.add_to_dataset),
    active: patch.active ?? current.active,
    idleMinutes: patch.idle_minutes ?? current.idleMinutes,
    updatedAt: Date.now(),
  };
  if (!next.evaluatorIds.length && !next.datasetId) throw new ApiError(400, 'invalid_request', 'evaluator_ids: give at least one evaluator, or add_to_dataset', 'evaluator_ids');
  if (current.target === 'trace' && patch.idle_minutes !== undefined) throw new ApiError(400, 'invalid_request', "idle_minutes: only a rule with target 'thread' waits for idle threads", 'idle_minutes');
  if (current.target === 'thread' && next.datasetId) throw new ApiError(400, 'invalid_request', "add_to_dataset: the dataset action adds traces: it needs target 'trace'", 'add_to_dataset');
  if (current.target === 'thread' && !next.evaluatorIds.length) throw new ApiError(400, 'invalid_request', 'evaluator_ids: a thread rule needs at least one evaluator', 'evaluator_ids');
  const db = dbFor(env, projectId);
  await db.batch([
    db
      .prepare('UPDATE eval_rules SET name = ?, filter = ?, sampling_rate = ?, evaluator_ids = ?, dataset_id = ?, active = ?, idle_minutes = ?, updated_at = ? WHERE project_id = ? AND id = ?')
      .bind(next.name, next.filter, next.samplingRate, JSON.stringify(next.evaluatorIds), next.datasetId, next.active ? 1 : 0, next.idleMinutes, next.updatedAt, projectId, id),
    db.prepare('UPDATE eval_runs SET status = ?, updated_at = ? WHERE project_id = ? AND rule_id = ? AND id = ?').bind(next.active ? 'active' : 'paused', next.updatedAt, projectId, id, liveRunId(current)),
  ]);
  return ruleOut(next);
}

/** Deletes a rule: no new matches; queued jobs finish; its run log stays readable until the rule id is reused (never). */
export async function deleteRule(env: Env, projectId: string, id: string): Promise<void> {
  const now = Date.now();
  const res = await dbFor(env, projectId).prepare('UPDATE eval_rules SET deleted_at = ?, active = 0, updated_at = ? WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(now, now, projectId, id).run();
  if (!res.meta.changes) throw new ApiError(404, 'not_found', `rule '${id}' not found in this project`, 'id');
}
