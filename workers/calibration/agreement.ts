/**
 * Agreement of an evaluator with people: its scores (feedback rows source=evaluator, one
 * per (version, trace, span)) paired with human labels (source=human) on the same trace
 * and span, under the same key or the one the caller names. The maths is the stats room's
 * (workers/stats/agreement.ts); this file only reads, pairs and shapes.
 */
import { binaryAgreement, categoricalAgreement, numericAgreement, type Label, type LabelPair } from '../stats/index.ts';
import { getEvaluator, listVersions } from '../evals/evaluators.ts';
import { ApiError } from '../platform/errors.ts';
import { dbFor } from '../platform/db.ts';
import { getMapping } from './mappings.ts';
import type { FeedbackRow } from '../store/rows.ts';
import type { AgreementOut, AgreementStats, LabelType } from '../../schema/wire/calibration.ts';

/** Read caps: one D1 read each; beyond this the newest rows are used (noted in docs/calibration.md). */
const MAX_ROWS = 50_000;

/** The feedback columns an agreement read selects (one side: judge scores or human labels). */
export type Row = Pick<FeedbackRow, 'id' | 'trace_id' | 'span_id' | 'key' | 'score' | 'value' | 'evaluator_version' | 'created_at'>;

export interface AgreementOptions {
  human_key?: string;
  type?: LabelType;
  threshold?: number;
  tolerance?: number;
  version?: number;
  bucket: 'day' | 'week';
  disagreements: number;
}

/** The label type an evaluator's scores have: a judge says so in its output; code checks pass/fail; webhooks answer numbers. */
export function evaluatorLabelType(config: unknown, kind: string): LabelType {
  const output = (config as { output?: { type?: string } }).output?.type;
  if (kind === 'judge') return output === 'boolean' ? 'boolean' : output === 'category' ? 'categorical' : 'numeric';
  return kind === 'code' ? 'boolean' : 'numeric';
}

function parseValue(v: string | null): unknown {
  if (v === null) return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** A row as a label of `type`, or a string saying what it holds when it cannot be one (no threshold for a number, etc.). */
export function toLabel(r: Pick<Row, 'score' | 'value'>, type: LabelType, threshold: number | undefined, verdicts = false): Label | { incompatible: string } | null {
  const value = parseValue(r.value);
  if (type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    if (r.score === null) return typeof value === 'string' ? { incompatible: `a category ('${value}')` } : null;
    if (verdicts && (r.score === 0 || r.score === 1)) return r.score === 1;
    if (threshold !== undefined) return r.score >= threshold;
    if (r.score === 0 || r.score === 1) return r.score === 1;
    return { incompatible: `numbers (${r.score}) and no threshold was given` };
  }
  if (type === 'categorical') {
    if (typeof value === 'string' || typeof value === 'boolean') return String(value);
    if (typeof value === 'number') return String(value);
    return r.score === null ? null : String(r.score);
  }
  if (r.score !== null) return r.score;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return { incompatible: `a category ('${value}')` };
  return null;
}

/** People's consensus on one item: the most common label (ties: the newest), or the mean of numbers. */
export function consensus(labels: { label: Label; at: number }[], type: LabelType): Label {
  if (type === 'numeric') return labels.reduce((s, l) => s + (l.label as number), 0) / labels.length;
  const counts = new Map<string, { label: Label; n: number; at: number }>();
  for (const l of labels) {
    const k = JSON.stringify(l.label);
    const c = counts.get(k) ?? { label: l.label, n: 0, at: 0 };
    c.n++;
    c.at = Math.max(c.at, l.at);
    counts.set(k, c);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n || b.at - a.at)[0].label;
}

/** The statistics of one set of pairs, by type, in wire form. */
export function agreementStats(type: LabelType, pairs: LabelPair<Label>[], tolerance: number): AgreementStats {
  if (type === 'boolean') {
    const b = binaryAgreement(pairs as LabelPair<boolean>[]);
    const { truePositive: tp, falseNegative: fn, falsePositive: fp, trueNegative: tn } = b.matrix;
    return { n: b.n, labels: [true, false], matrix: [[tp, fn], [fp, tn]], accuracy: b.accuracy, tpr: b.tpr, tnr: b.tnr, kappa: strip(b.kappa) };
  }
  if (type === 'categorical') {
    const c = categoricalAgreement(pairs as LabelPair<string>[]);
    return { n: c.n, labels: c.labels, matrix: c.matrix, accuracy: c.accuracy, kappa: strip(c.kappa) };
  }
  const m = numericAgreement(pairs as LabelPair<number>[], tolerance);
  return { n: m.n, spearman: m.spearman, mae: m.mae, bias: m.bias, within_tolerance: m.withinTolerance };
}

const strip = ({ value, n, interval, reason }: { value: number | null; n: number; interval: { low: number; high: number } | null; reason?: string }) => ({ value, n, interval, ...(reason ? { reason } : {}) });

export const itemKey = (traceId: string, spanId: string | null) => `${traceId}\u0000${spanId ?? ''}`;
const DAY = 86_400_000;
/** Bucket start (UTC): days, or weeks starting Monday. */
function bucketStart(at: number, bucket: 'day' | 'week'): number {
  const day = Math.floor(at / DAY) * DAY;
  if (bucket === 'day') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY;
}

const PACKED = ['id', 'trace_id', 'span_id', 'key', 'score', 'value', 'evaluator_version', 'created_at'] as const;

/**
 * Runs a feedback SELECT and answers its rows packed by SQLite into one JSON array: D1
 * hands 10,000 row objects to the Worker about twice as slowly as one string it then
 * parses (measured in bench/calibration.ts; docs/calibration.md).
 */
async function packedRows(db: D1Database, select: string, binds: (string | number)[]): Promise<{ results: Row[] }> {
  const row = await db
    .prepare(`SELECT json_group_array(json_array(${PACKED.join(', ')})) AS j FROM (${select})`)
    .bind(...binds)
    .first<{ j: string }>();
  const arrays = JSON.parse(row?.j ?? '[]') as unknown[][];
  return {
    results: arrays.map((a) => ({ id: a[0], trace_id: a[1], span_id: a[2], key: a[3], score: a[4], value: a[5], evaluator_version: a[6], created_at: a[7] }) as Row),
  };
}

/** Comments, authors and queues of some feedback rows (the listed disagreements' two sides). */
async function rowDetails(db: D1Database, projectId: string, ids: string[]): Promise<Map<string, { comment: string | null; author: string | null; queue_id: string | null }>> {
  if (!ids.length) return new Map();
  // D1: 100 bound parameters per statement, so the ids go in as one JSON parameter.
  const { results } = await db
    .prepare('SELECT f.id, f.comment, f.author, f.queue_id FROM json_each(?2) k CROSS JOIN feedback f WHERE f.project_id = ?1 AND f.id = k.value')
    .bind(projectId, JSON.stringify([...new Set(ids)]))
    .all<{ id: string; comment: string | null; author: string | null; queue_id: string | null }>();
  return new Map(results.map((r) => [r.id, r]));
}

/** How to compare: query parameters win over the stored mapping, which wins over the defaults. */
export async function comparison<Q extends Partial<Pick<AgreementOptions, 'human_key' | 'type' | 'threshold' | 'tolerance'>>>(env: Env, projectId: string, id: string, query: Q) {
  const mapping = await getMapping(env, projectId, id);
  return {
    ...query,
    human_key: query.human_key ?? mapping?.human_key,
    type: query.type ?? mapping?.type ?? undefined,
    threshold: query.threshold ?? mapping?.threshold ?? undefined,
    tolerance: query.tolerance ?? mapping?.tolerance ?? 0.1,
  };
}

/** Whether a judge label and people's consensus differ (numbers: beyond the tolerance). */
export function labelsDiffer(type: LabelType, judge: Label, human: Label, tolerance: number): boolean {
  return type === 'numeric' ? Math.abs((judge as number) - (human as number)) > tolerance + 1e-9 : judge !== human;
}

/** Agreement of evaluator `id` with people in `projectId`. */
export async function evaluatorAgreement(env: Env, projectId: string, id: string, query: AgreementOptions): Promise<AgreementOut> {
  const current = await getEvaluator(env, projectId, id, query.version);
  const opts = await comparison(env, projectId, id, query);
  const versions = (await listVersions(env, projectId, id)).filter((v) => !opts.version || v.version === opts.version);
  const nativeType = evaluatorLabelType(current.config, current.kind);
  const type = opts.type ?? nativeType;
  const humanKeyFor = (judgeKey: string) => opts.human_key ?? judgeKey;
  const db = dbFor(env, projectId);

  const judgeConds = ['project_id = ?', 'evaluator_id = ?', "source = 'evaluator'"];
  const judgeBinds: (string | number)[] = [projectId, id];
  if (opts.version) judgeConds.push('evaluator_version = ?'), judgeBinds.push(opts.version);
  // Only what pairing needs: comments, authors and queues are read for the listed disagreements alone.
  const humanKeys = [...new Set(versions.map((v) => humanKeyFor(v.key)))];
  const [judgeRows, humanRows] = await Promise.all([
    packedRows(db, `SELECT * FROM feedback WHERE ${judgeConds.join(' AND ')} ORDER BY created_at DESC LIMIT ${MAX_ROWS}`, judgeBinds),
    packedRows(db, `SELECT * FROM feedback WHERE project_id = ? AND source = 'human' AND key IN (${humanKeys.map(() => '?').join(', ')}) ORDER BY created_at DESC LIMIT ${MAX_ROWS}`, [projectId, ...humanKeys]),
  ]);

  // People's labels per (key, item); a label that cannot be of the type is a 400 naming both keys.
  const keyOfVersion = new Map(versions.map((v) => [v.version, v.key]));
  const human = new Map<string, { rows: Row[]; labels: { label: Label; at: number }[] }>();
  for (const r of humanRows.results) {
    const label = toLabel(r, type, opts.threshold);
    if (label === null) continue;
    if (typeof label === 'object') {
      const judgeKey = [...keyOfVersion.values()].find((k) => humanKeyFor(k) === r.key) ?? current.key;
      throw new ApiError(400, 'incompatible_keys', `judge key '${judgeKey}' is ${type} but human key '${r.key}' holds ${label.incompatible}`, opts.threshold === undefined && type === 'boolean' ? 'threshold' : 'human_key');
    }
    const k = `${r.key}\u0000${itemKey(r.trace_id, r.span_id)}`;
    const entry = human.get(k) ?? { rows: [], labels: [] };
    entry.rows.push(r);
    entry.labels.push({ label, at: r.created_at });
    human.set(k, entry);
  }

  type Paired = { row: Row; judge: Label; human: Label; humans: Row[]; version: number };
  const paired: Paired[] = [];
  let unpairedJudge = 0;
  const usedHuman = new Set<string>();
  for (const r of judgeRows.results) {
    const version = r.evaluator_version ?? 0;
    // A boolean evaluator's 0/1 scores are verdicts already: the threshold is for its other numbers.
    const judge = toLabel(r, type, opts.threshold, nativeType === 'boolean');
    const k = `${humanKeyFor(keyOfVersion.get(version) ?? r.key)}\u0000${itemKey(r.trace_id, r.span_id)}`;
    const h = human.get(k);
    if (judge === null || !h) {
      unpairedJudge++;
      continue;
    }
    if (typeof judge === 'object') throw new ApiError(400, 'incompatible_keys', `judge key '${r.key}' holds ${judge.incompatible}, not ${type} labels like human key '${humanKeyFor(r.key)}'`, 'type');
    usedHuman.add(k);
    paired.push({ row: r, judge, human: consensus(h.labels, type), humans: h.rows, version });
  }

  const stats = (ps: Paired[]) => agreementStats(type, ps.map((p) => ({ judge: p.judge, human: p.human })), opts.tolerance);
  const byVersion = new Map<number, Paired[]>();
  const byBucket = new Map<number, Paired[]>();
  for (const p of paired) {
    let v = byVersion.get(p.version);
    if (!v) byVersion.set(p.version, (v = []));
    v.push(p);
    const b = bucketStart(p.row.created_at, opts.bucket);
    let bucket = byBucket.get(b);
    if (!bucket) byBucket.set(b, (bucket = []));
    bucket.push(p);
  }
  const differs = (p: Paired) => labelsDiffer(type, p.judge, p.human, opts.tolerance);
  const disagreeing = paired.filter(differs);
  const listed = disagreeing.slice(0, opts.disagreements);
  const details = await rowDetails(db, projectId, listed.flatMap((p) => [p.row.id, ...p.humans.map((h) => h.id)]));

  return {
    evaluator_id: id,
    judge_key: current.key,
    human_key: humanKeyFor(current.key),
    type,
    threshold: opts.threshold ?? null,
    tolerance: opts.tolerance,
    overall: stats(paired),
    versions: versions.map((v) => ({ version: v.version, key: v.key, stats: stats(byVersion.get(v.version) ?? []) })),
    over_time: [...byBucket].sort((a, b) => a[0] - b[0]).map(([start, ps]) => ({ start: new Date(start).toISOString(), stats: stats(ps) })),
    disagreements: listed.map((p) => ({
      trace_id: p.row.trace_id,
      span_id: p.row.span_id,
      version: p.version,
      judge: { label: p.judge, score: p.row.score, reasoning: details.get(p.row.id)?.comment ?? null, feedback_id: p.row.id },
      humans: p.humans.map((h) => ({ label: toLabel(h, type, opts.threshold), author: details.get(h.id)?.author ?? null, comment: details.get(h.id)?.comment ?? null, queue_id: details.get(h.id)?.queue_id ?? null, feedback_id: h.id })),
      link: `/traces/${encodeURIComponent(p.row.trace_id)}${p.row.span_id ? `?span=${encodeURIComponent(p.row.span_id)}` : ''}`,
    })),
    disagreement_count: disagreeing.length,
    unpaired: { judge: unpairedJudge, human: [...human.keys()].filter((k) => !usedHuman.has(k)).length },
  };
}
