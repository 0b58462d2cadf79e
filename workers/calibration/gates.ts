/**
 * The agreement gate: with a gate on an evaluator, rules run its live version (the evals
 * consumer reads evaluator_gates.live_version) instead of the newest. A newer version
 * becomes live only when an alignment run measures it at least as well as the live one on
 * the same human-labelled items (or at or above the user's `min_value`), or when an owner
 * overrides with a reason. Every decision is kept in evaluator_gate_events.
 */
import type { GateDecision, GateMetric, GateOut, LabelType, AgreementStats } from '../../schema/wire/calibration.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { getEvaluator } from '../evals/evaluators.ts';
import { evaluatorLabelType } from './agreement.ts';

interface GateRow {
  metric: GateMetric;
  min_value: number | null;
  live_version: number;
}

/** The gate of an evaluator, or null when it has none. */
export async function loadGate(env: Env, projectId: string, evaluatorId: string): Promise<GateRow | null> {
  return dbFor(env, projectId).prepare('SELECT metric, min_value, live_version FROM evaluator_gates WHERE project_id = ? AND evaluator_id = ?').bind(projectId, evaluatorId).first<GateRow>();
}

/** The default metric for a label type: accuracy for verdicts and categories, share within tolerance for numbers. */
export const defaultMetric = (type: LabelType): GateMetric => (type === 'numeric' ? 'within_tolerance' : 'accuracy');

/** A metric's value in a stats object (null when undefined or not computed for the type). */
export const metricValue = (stats: AgreementStats, metric: GateMetric): number | null => stats[metric]?.value ?? null;

/** Which metrics make sense for which type. */
function checkMetric(metric: GateMetric, type: LabelType): void {
  const ok = type === 'numeric' ? metric === 'spearman' || metric === 'within_tolerance' : metric === 'accuracy' || metric === 'kappa';
  if (!ok) throw new ApiError(400, 'invalid_request', `metric: '${metric}' does not apply to a ${type} evaluator`, 'metric');
}

/** Creates or changes the gate; a new gate pins the version rules run now (the newest). */
export async function putGate(env: Env, projectId: string, evaluatorId: string, body: { metric?: GateMetric; min_value?: number | null }, actor: string | null): Promise<GateOut> {
  const ev = await getEvaluator(env, projectId, evaluatorId);
  const metric = body.metric ?? defaultMetric(evaluatorLabelType(ev.config, ev.kind));
  checkMetric(metric, evaluatorLabelType(ev.config, ev.kind));
  const now = Date.now();
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO evaluator_gates (project_id, evaluator_id, metric, min_value, live_version, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, evaluator_id) DO UPDATE SET metric = excluded.metric, min_value = excluded.min_value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    )
    .bind(projectId, evaluatorId, metric, body.min_value ?? null, ev.version, now, now, actor)
    .run();
  return getGate(env, projectId, evaluatorId);
}

/** Removes the gate: rules run the newest version again. */
export async function deleteGate(env: Env, projectId: string, evaluatorId: string): Promise<void> {
  await getEvaluator(env, projectId, evaluatorId);
  const res = await dbFor(env, projectId).prepare('DELETE FROM evaluator_gates WHERE project_id = ? AND evaluator_id = ?').bind(projectId, evaluatorId).run();
  if (!res.meta.changes) throw new ApiError(404, 'not_found', `evaluator '${evaluatorId}' has no gate`, 'id');
}

/** The gate with its newest 50 decisions. */
export async function getGate(env: Env, projectId: string, evaluatorId: string): Promise<GateOut> {
  const ev = await getEvaluator(env, projectId, evaluatorId);
  const gate = await loadGate(env, projectId, evaluatorId);
  if (!gate) throw new ApiError(404, 'not_found', `evaluator '${evaluatorId}' has no gate: rules run its newest version`, 'id');
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT * FROM evaluator_gate_events WHERE project_id = ? AND evaluator_id = ? ORDER BY created_at DESC, id DESC LIMIT 50')
    .bind(projectId, evaluatorId)
    .all<{ action: 'promoted' | 'blocked' | 'override'; from_version: number; version: number; metric: string; live_value: number | null; candidate_value: number | null; n: number | null; reason: string | null; actor: string | null; created_at: number }>();
  return {
    evaluator_id: evaluatorId,
    metric: gate.metric,
    min_value: gate.min_value,
    live_version: gate.live_version,
    newest_version: ev.version,
    events: results.map(({ created_at, ...e }) => ({ ...e, at: new Date(created_at).toISOString() })),
  };
}

function event(env: Env, projectId: string, evaluatorId: string, e: { action: string; from: number; version: number; metric: string; live: number | null; candidate: number | null; n: number | null; reason: string | null; actor: string | null }, now: number) {
  // Ids sort by time, so two decisions in one millisecond keep their order.
  const id = `${now.toString(36).padStart(9, '0')}-${crypto.randomUUID().slice(0, 8)}`;
  return dbFor(env, projectId)
    .prepare('INSERT INTO evaluator_gate_events (project_id, evaluator_id, id, action, from_version, version, metric, live_value, candidate_value, n, reason, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(projectId, evaluatorId, id, e.action, e.from, e.version, e.metric, e.live, e.candidate, e.n, e.reason, e.actor, now);
}

/**
 * Decides on a measured candidate: promoted when its metric is at least the live one's on
 * the same items (or at least min_value), else blocked. Undefined values never pass on
 * comparison: a candidate with no measurable agreement cannot show it is not worse.
 * The switch is conditional on the live version not having moved meanwhile.
 */
export async function decideCandidate(
  env: Env,
  projectId: string,
  evaluatorId: string,
  measured: { version: number; candidate: AgreementStats; live: AgreementStats; liveVersion: number },
  actor: string | null,
): Promise<GateDecision | null> {
  const gate = await loadGate(env, projectId, evaluatorId);
  if (!gate) return null;
  const live = metricValue(measured.live, gate.metric);
  const candidate = metricValue(measured.candidate, gate.metric);
  const base = { metric: gate.metric, live_version: gate.live_version, candidate_version: measured.version, live_value: live, candidate_value: candidate, min_value: gate.min_value };
  if (measured.version === gate.live_version) return { ...base, action: 'unchanged', reason: `version ${measured.version} is already live` };
  if (measured.liveVersion !== gate.live_version) return { ...base, action: 'unchanged', reason: `the live version changed to ${gate.live_version} during the run; align again` };
  let pass = false;
  let reason: string;
  if (candidate === null) reason = `version ${measured.version}'s ${gate.metric} is undefined on these items (${measured.candidate[gate.metric]?.reason ?? 'no pairs'})`;
  else if (gate.min_value !== null && candidate >= gate.min_value) (pass = true), (reason = `${gate.metric} ${fmt(candidate)} >= the threshold ${fmt(gate.min_value)}`);
  else if (live === null) reason = `the live version's ${gate.metric} is undefined, so a comparison cannot show the change is not worse${gate.min_value !== null ? `, and ${fmt(candidate)} < the threshold ${fmt(gate.min_value)}` : ''}`;
  else if (candidate >= live - 1e-12) (pass = true), (reason = `${gate.metric} ${fmt(candidate)} >= live version ${gate.live_version}'s ${fmt(live)}`);
  else reason = `${gate.metric} ${fmt(candidate)} < live version ${gate.live_version}'s ${fmt(live)}${gate.min_value !== null ? ` and < the threshold ${fmt(gate.min_value)}` : ''}`;
  const now = Date.now();
  const db = dbFor(env, projectId);
  const statements = [event(env, projectId, evaluatorId, { action: pass ? 'promoted' : 'blocked', from: gate.live_version, version: measured.version, metric: gate.metric, live, candidate, n: measured.candidate.n, reason, actor }, now)];
  if (pass) {
    statements.unshift(
      db.prepare('UPDATE evaluator_gates SET live_version = ?, updated_at = ?, updated_by = ? WHERE project_id = ? AND evaluator_id = ? AND live_version = ?').bind(measured.version, now, actor, projectId, evaluatorId, gate.live_version),
    );
  }
  await db.batch(statements);
  return { ...base, action: pass ? 'promoted' : 'blocked', reason };
}

/** An owner switches rules to `version` whatever its agreement; the reason is kept with who and when. */
export async function overrideGate(env: Env, projectId: string, evaluatorId: string, body: { version: number; reason: string }, actor: { role?: string; principalId?: string | null; via: string }): Promise<GateOut> {
  // Sessions carry a role; API keys do not, so only an owner's login can override.
  if (actor.role !== 'owner') {
    throw new ApiError(403, 'forbidden', actor.via === 'api_key' ? 'a gate override needs an owner, signed in (an API key has no role)' : `a gate override needs the owner role (yours: ${actor.role})`);
  }
  await getEvaluator(env, projectId, evaluatorId, body.version);
  const gate = await loadGate(env, projectId, evaluatorId);
  if (!gate) throw new ApiError(404, 'not_found', `evaluator '${evaluatorId}' has no gate: rules already run its newest version`, 'id');
  const now = Date.now();
  const db = dbFor(env, projectId);
  const who = actor.principalId ?? null;
  await db.batch([
    db.prepare('UPDATE evaluator_gates SET live_version = ?, updated_at = ?, updated_by = ? WHERE project_id = ? AND evaluator_id = ?').bind(body.version, now, who, projectId, evaluatorId),
    event(env, projectId, evaluatorId, { action: 'override', from: gate.live_version, version: body.version, metric: gate.metric, live: null, candidate: null, n: null, reason: body.reason, actor: who }, now),
  ]);
  return getGate(env, projectId, evaluatorId);
}

const fmt = (x: number) => (Math.round(x * 1000) / 1000).toString();
