/**
 * Rules meet traces: the one matching primitive under every rule engine (evaluation rules
 * in workers/evals, routing rules of annotation queues in workers/review, and the later
 * steps' rules). A rule is a filter in the shared language plus a sampling rate; matching
 * asks which of some traces pass the filter, and sampling decides per trace, so the same
 * trace always gets the same answer for the same rule (reruns and backfills agree) while
 * different rules sample independently.
 */
import { ApiError } from '../platform/errors.ts';
import { sha256 } from '../platform/ids.ts';
import { compileQuery } from './filter.ts';

/** What matching needs to know about a rule. */
export interface MatchRule {
  id: string;
  filter: string;
  samplingRate: number;
}

/** A deterministic number in [0, 1) for (rule, trace): SHA-256 of both, mapped to [0, 1). */
export async function sampleFraction(ruleId: string, traceId: string): Promise<number> {
  const digest = await sha256(`${ruleId}\u0000${traceId}`);
  // 48 bits are plenty of resolution for a rate and stay exact in a double.
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + digest[i];
  return n / 2 ** 48;
}

/** True when the trace is in the rule's sample. Rate 1 takes every trace, 0 none. */
export async function isSampled(ruleId: string, traceId: string, rate: number): Promise<boolean> {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return (await sampleFraction(ruleId, traceId)) < rate;
}

/**
 * The rule's filter compiled for traces, or null when it no longer compiles (the filter
 * language changed, or a field went away): logged, and the rule is skipped rather than
 * failing every trace it sees. Rules are checked when saved, so this is rare.
 */
export function ruleWhere(rule: MatchRule, projectId: string, now: number, what = 'rule'): { where: string; params: (string | number)[] } | null {
  try {
    return compileQuery(rule.filter, 'traces', projectId, now, 'filter');
  } catch (err) {
    console.error(`${what} ${rule.id}: filter no longer compiles, skipped`, err instanceof ApiError ? err.message : err);
    return null;
  }
}

/**
 * Which of `traceIds` match the rule's filter, each with its sampling decision. With
 * `completedOnly`, only traces whose root span ended count (a running trace is matched when
 * it completes). Empty when the filter no longer compiles.
 */
export async function matchTraces(
  db: D1Database,
  projectId: string,
  rule: MatchRule,
  traceIds: readonly string[],
  now: number,
  opts: { completedOnly?: boolean; what?: string } = {},
): Promise<{ traceId: string; sampled: boolean }[]> {
  if (!traceIds.length) return [];
  const compiled = ruleWhere(rule, projectId, now, opts.what);
  if (!compiled) return [];
  // D1: 100 bound parameters per statement, so the trace ids go in as one JSON parameter.
  const { results } = await db
    .prepare(
      `SELECT t.trace_id FROM traces t WHERE t.project_id = ? ${opts.completedOnly ? 'AND t.root_ended = 1' : ''}
         AND t.trace_id IN (SELECT value FROM json_each(?)) AND (${compiled.where})`,
    )
    .bind(projectId, JSON.stringify([...new Set(traceIds)]), ...compiled.params)
    .all<{ trace_id: string }>();
  return Promise.all(results.map(async (r) => ({ traceId: r.trace_id, sampled: await isSampled(rule.id, r.trace_id, rule.samplingRate) })));
}
