/**
 * Routing rules: which traces enter an annotation queue. A rule is a filter in the shared
 * language plus a sampling rate (decided per trace by a hash of rule and trace id, so a
 * trace matched again gets the same answer). Rules are matched when a trace completes and
 * again whenever feedback or scores arrive on it (ReviewRouteMessage on queue "review"),
 * so `feedback.thumbs=0` or `score.helpfulness<0.5` route a trace as soon as that is true.
 * A trace enters a queue at most once (the review hub ignores repeats).
 */
import type { z } from 'zod';
import type { RoutingRuleCreate, RoutingRuleOut, RoutingRulePatch } from '../../schema/wire/review.ts';
import { dbFor } from '../platform/db.ts';
import { compileQuery } from '../store/filter.ts';
import { ApiError } from '../platform/errors.ts';
import { matchTraces } from '../store/matching.ts';
import { hubFor, type Queue } from './queues.ts';
import type { NewItem } from './hub/contract.ts';
import { calibrationHits, checkCalibrationOption, type CalibrationOption } from './calibration-routing.ts';

/** A routing rule as stored. */
export interface RoutingRule {
  id: string;
  queueId: string;
  name: string;
  filter: string;
  samplingRate: number;
  active: boolean;
  /** Route only traces where an evaluator needs people (calibration-routing.ts). */
  calibration: CalibrationOption | null;
  createdAt: number;
  updatedAt: number;
}

interface RuleRow {
  id: string;
  queue_id: string;
  name: string;
  filter: string;
  sampling_rate: number;
  active: number;
  calibration: string | null;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: RuleRow): RoutingRule => ({
  id: r.id,
  queueId: r.queue_id,
  name: r.name,
  filter: r.filter,
  samplingRate: r.sampling_rate,
  active: r.active === 1,
  calibration: r.calibration ? JSON.parse(r.calibration) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A rule as the API shows it. */
export function routingRuleOut(r: RoutingRule): RoutingRuleOut {
  return {
    id: r.id,
    queue_id: r.queueId,
    name: r.name,
    filter: r.filter,
    sampling_rate: r.samplingRate,
    active: r.active,
    calibration: r.calibration,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}

/** Creates a rule for a queue; a filter that does not parse is a 400 with its position. */
export async function createRoutingRule(env: Env, projectId: string, queue: Queue, body: z.output<typeof RoutingRuleCreate>): Promise<RoutingRule> {
  const filter = body.filter.trim();
  compileQuery(filter, 'traces', projectId, Date.now(), 'filter');
  if (body.calibration) await checkCalibrationOption(env, projectId, body.calibration);
  const now = Date.now();
  const rule: RoutingRule = {
    id: `rr_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`,
    queueId: queue.id,
    name: body.name ?? (filter || 'every trace'),
    filter,
    samplingRate: body.sampling_rate,
    active: body.active,
    calibration: body.calibration ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await dbFor(env, projectId)
    .prepare('INSERT INTO review_routing_rules (project_id, id, queue_id, name, filter, sampling_rate, active, calibration, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(projectId, rule.id, rule.queueId, rule.name, rule.filter, rule.samplingRate, rule.active ? 1 : 0, rule.calibration ? JSON.stringify(rule.calibration) : null, now, now)
    .run();
  return rule;
}

/** A queue's rules, oldest first. */
export async function listRoutingRules(env: Env, projectId: string, queueId: string): Promise<RoutingRule[]> {
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT * FROM review_routing_rules WHERE project_id = ? AND queue_id = ? AND deleted_at IS NULL ORDER BY created_at, id')
    .bind(projectId, queueId)
    .all<RuleRow>();
  return results.map(fromRow);
}

/** One rule of a queue, or 404. */
export async function getRoutingRule(env: Env, projectId: string, queueId: string, id: string): Promise<RoutingRule> {
  const r = await dbFor(env, projectId)
    .prepare('SELECT * FROM review_routing_rules WHERE project_id = ? AND queue_id = ? AND id = ? AND deleted_at IS NULL')
    .bind(projectId, queueId, id)
    .first<RuleRow>();
  if (!r) throw new ApiError(404, 'not_found', `routing rule '${id}' not found in this queue`, 'rule_id');
  return fromRow(r);
}

/** Changes a rule; traces routed before stay in the queue. */
export async function updateRoutingRule(env: Env, projectId: string, queueId: string, id: string, patch: z.output<typeof RoutingRulePatch>): Promise<RoutingRule> {
  const current = await getRoutingRule(env, projectId, queueId, id);
  if (patch.filter !== undefined) compileQuery(patch.filter.trim(), 'traces', projectId, Date.now(), 'filter');
  if (patch.calibration) await checkCalibrationOption(env, projectId, patch.calibration);
  const next: RoutingRule = {
    ...current,
    name: patch.name ?? current.name,
    filter: patch.filter?.trim() ?? current.filter,
    samplingRate: patch.sampling_rate ?? current.samplingRate,
    active: patch.active ?? current.active,
    calibration: patch.calibration === undefined ? current.calibration : patch.calibration,
    updatedAt: Date.now(),
  };
  await dbFor(env, projectId)
    .prepare('UPDATE review_routing_rules SET name = ?, filter = ?, sampling_rate = ?, active = ?, calibration = ?, updated_at = ? WHERE project_id = ? AND id = ?')
    .bind(next.name, next.filter, next.samplingRate, next.active ? 1 : 0, next.calibration ? JSON.stringify(next.calibration) : null, next.updatedAt, projectId, id)
    .run();
  return next;
}

/** Deletes a rule. */
export async function deleteRoutingRule(env: Env, projectId: string, queueId: string, id: string): Promise<void> {
  await getRoutingRule(env, projectId, queueId, id);
  const now = Date.now();
  await dbFor(env, projectId).prepare('UPDATE review_routing_rules SET deleted_at = ?, active = 0, updated_at = ? WHERE project_id = ? AND id = ?').bind(now, now, projectId, id).run();
}

/**
 * Matches a project's active rules against some traces and adds the sampled matches to
 * their queues. Only traces whose root span ended are routed (a running trace is matched
 * when it completes). Returns what was added.
 */
export async function routeTraces(env: Env, projectId: string, traceIds: string[], now = Date.now()): Promise<{ matched: number; added: number }> {
  const db = dbFor(env, projectId);
  const { results } = await db
    .prepare(
      `SELECT r.* FROM review_routing_rules r JOIN review_queues q ON q.project_id = r.project_id AND q.id = r.queue_id
        WHERE r.project_id = ? AND r.active = 1 AND r.deleted_at IS NULL AND q.deleted_at IS NULL`,
    )
    .bind(projectId)
    .all<RuleRow>();
  if (!results.length || !traceIds.length) return { matched: 0, added: 0 };
  const items: NewItem[] = [];
  for (const rule of results.map(fromRow)) {
    const hits = await matchTraces(db, projectId, rule, traceIds, now, { completedOnly: true, what: 'review routing rule' });
    const sampled = hits.filter((h) => h.sampled).map((h) => h.traceId);
    if (rule.calibration) {
      // Of the matches, only those where the judge needs people, each noting why.
      for (const c of await calibrationHits(env, projectId, rule.id, rule.calibration, sampled)) items.push({ queueId: rule.queueId, traceId: c.traceId, source: 'rule', sourceRef: rule.id, note: c.note });
    } else {
      for (const traceId of sampled) items.push({ queueId: rule.queueId, traceId, source: 'rule', sourceRef: rule.id });
    }
  }
  if (!items.length) return { matched: 0, added: 0 };
  // Two rules of one queue may match the same trace; it enters once either way.
  const unique = [...new Map(items.map((it) => [`${it.queueId}\u0000${it.traceId}`, it])).values()];
  const { added } = await hubFor(env, projectId).enqueue(unique, now);
  return { matched: unique.length, added };
}
