/**
 * An Insights report as steps that each fit one Worker invocation (128 MB, ~30 s CPU),
 * with JSON state between them, so a Workflow (or a Queue consumer) can run, retry and
 * resume them. docs/insights.md has the table of what each step reads, writes and costs.
 *
 *   plan      counts -> ReportPlan                         (tiny)
 *   summarise chunk of trace trees -> TraceSummary[] + which are sampled (summary.ts; I/O is the caller's)
 *   fit       intent sample (<= 10,000) + failing sample (<= 5,000) -> ReportModel (a few MB: store in R2)
 *   assign    ReportModel + chunk (<= 2,000 summaries) -> memberships + Tally (Tally <= ~200 KB)
 *   finalize  ReportModel + merged Tally -> InsightsReport
 *   members   ReportModel + report + chunk -> trace ids per reported pattern
 *
 * Every step is a pure function of its inputs: a retried step gives the same output, and
 * chunks may be assigned in any order (tallies merge by addition).
 */
import { unitHash } from './hash.ts';
import type { TraceSummary } from './summary.ts';
import { assignIntent, fitIntents, NO_INPUT_ID, type IntentModel, type IntentOptions } from './intents.ts';
import { assignFailure, fitFailures, NO_REVIEW_ID, type FailureModel } from './failure-clusters.ts';
import { featureKey, fitFeatureSpace, traceFeatures, type FeatureSpace } from './features.ts';
import { countFeatures, countIntoCluster, emptyTally, mergeClusterTally, mergeTallies, type Tally } from './tally.ts';
import { rankPatterns } from './patterns.ts';
import { clusterReport, type ClusterReport, type InsightsReport } from './report.ts';
import type { ClusterNode } from './text-clusters.ts';

/** Knobs of a report; every one has a default. */
export interface ReportOptions {
  seed?: number;
  /** Traces the intent clusters are fitted on (the rest are assigned). */
  sampleSize?: number;
  /** Failing traces the failure clusters are fitted on. */
  failureSampleSize?: number;
  /** Traces per assign step. */
  chunkSize?: number;
  /** Least traces for a pattern to be tested (default max(5, traces / 1,000)). */
  minSupport?: number;
  /** False discovery rate for patterns. */
  alpha?: number;
  /** Patterns kept in the report. */
  topPatterns?: number;
  /** Most candidate features counted per report (bounds every tally). */
  maxCandidates?: number;
  intents?: Omit<IntentOptions, 'seed'>;
}

/** The plan of a report: everything later steps need to agree on. JSON. */
export interface ReportPlan {
  seed: number;
  totalTraces: number;
  failingTraces: number;
  /** A trace is in the intent sample when unitHash(id, seed) < sampleRate. */
  sampleRate: number;
  /** A failing trace is in the failure sample when unitHash(id, seed + 1) < failureSampleRate. */
  failureSampleRate: number;
  sampleSize: number;
  failureSampleSize: number;
  chunkSize: number;
  chunks: number;
  minSupport: number;
  alpha: number;
  topPatterns: number;
  maxCandidates: number;
  intents: Omit<IntentOptions, 'seed'>;
}

/** What fit produces and every later step reads. JSON (store it in R2: it is MBs, over a Workflow step's 1 MiB). */
export interface ReportModel {
  plan: ReportPlan;
  intents: IntentModel;
  failures: FailureModel;
  space: FeatureSpace;
  /** Candidate feature keys counted in assign (tallies are aligned with it). */
  catalogue: string[];
  /** Sample sizes, and how many sampled traces carried LLM facets. */
  sample: { traces: number; failing: number; withFacets: number };
}

/** One trace's clusters in a report: the rows behind `insight.<report>=<cluster>`. */
export interface TraceMembership {
  trace: string;
  intent: string;
  intentCategory: string;
  trajectoryCluster: string | null;
  reviewCluster: string | null;
}

export const DEFAULT_SAMPLE = 10_000;
export const DEFAULT_FAILURE_SAMPLE = 5_000;
export const DEFAULT_CHUNK = 2_000;
/** Candidate features counted at most: tallies stay ~200 KB of JSON. */
export const DEFAULT_MAX_CANDIDATES = 5_000;

/** Step 1: the plan, from the counts of matching and failing traces. */
export function planReport(counts: { totalTraces: number; failingTraces: number }, options: ReportOptions = {}): ReportPlan {
  const { totalTraces, failingTraces } = counts;
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE;
  const failureSampleSize = options.failureSampleSize ?? DEFAULT_FAILURE_SAMPLE;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  // 5% over the target: the hash sample's size varies, and fit trims it to sampleSize exactly.
  const rate = (want: number, have: number) => (have <= want ? 1 : Math.min(1, (want * 1.05) / have));
  return {
    seed: options.seed ?? 1,
    totalTraces,
    failingTraces,
    sampleRate: rate(sampleSize, totalTraces),
    failureSampleRate: rate(failureSampleSize, failingTraces),
    sampleSize,
    failureSampleSize,
    chunkSize,
    chunks: Math.ceil(totalTraces / chunkSize),
    minSupport: options.minSupport ?? Math.max(5, Math.ceil(totalTraces / 1000)),
    alpha: options.alpha ?? 0.05,
    topPatterns: options.topPatterns ?? 50,
    maxCandidates: options.maxCandidates ?? DEFAULT_MAX_CANDIDATES,
    intents: options.intents ?? {},
  };
}

/** Step 2 (while summarising): is this trace in the intent sample, the failure sample? Decided by its id alone. */
export function sampleMembership(plan: ReportPlan, traceId: string, failed: boolean): { intent: boolean; failure: boolean } {
  return {
    intent: unitHash(traceId, plan.seed) < plan.sampleRate,
    failure: failed && unitHash(traceId, plan.seed + 1) < plan.failureSampleRate,
  };
}

function bySampleHash(seed: number) {
  return (a: TraceSummary, b: TraceSummary) => unitHash(a.id, seed) - unitHash(b.id, seed) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function intentKeys(intents: IntentModel): string[] {
  const leaves = intents.categories.filter((c) => !intents.subcategories.some((s) => s.parent === c.id));
  return [
    ...intents.categories.filter((c) => intents.subcategories.some((s) => s.parent === c.id)).map((c) => featureKey('intent_group', c.id)),
    ...[...leaves, ...intents.subcategories].map((n) => featureKey('intent', n.id)),
    featureKey('intent', NO_INPUT_ID),
  ];
}

/** Step 3: fits intents, failure clusters, the feature space and the candidate catalogue on the samples. */
export function fitReport(plan: ReportPlan, sample: TraceSummary[], failingSample: TraceSummary[]): ReportModel {
  const intentSample = [...sample].sort(bySampleHash(plan.seed)).slice(0, plan.sampleSize);
  const failing = [...failingSample].filter((s) => s.failed).sort(bySampleHash(plan.seed + 1)).slice(0, plan.failureSampleSize);
  const intents = fitIntents(intentSample, { ...plan.intents, seed: plan.seed });
  const failures = fitFailures(failing, { seed: plan.seed });
  const rate = plan.totalTraces ? Math.min(1, intentSample.length / plan.totalTraces) : 1;
  const sampleSupport = Math.max(2, Math.floor(plan.minSupport * rate));
  const space = fitFeatureSpace(intentSample, sampleSupport);
  const counts = new Map<string, number>();
  for (const s of intentSample) for (const f of traceFeatures(s, space)) counts.set(f, (counts.get(f) ?? 0) + 1);
  // A candidate must be able to reach the test's support: seen often enough in the sample.
  const frequent = [...counts]
    .filter(([, n]) => n >= sampleSupport)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, plan.maxCandidates)
    .map(([k]) => k);
  return { plan, intents, failures, space, catalogue: [...intentKeys(intents), ...frequent.sort()], sample: { traces: intentSample.length, failing: failing.length, withFacets: intentSample.filter((s) => s.facets).length } };
}

const catalogueIndex = new WeakMap<ReportModel, Map<string, number>>();

function indexOf(model: ReportModel): Map<string, number> {
  let m = catalogueIndex.get(model);
  if (!m) catalogueIndex.set(model, (m = new Map(model.catalogue.map((k, i) => [k, i]))));
  return m;
}

/** Every catalogue feature of a trace, given its intent. */
function featuresOf(model: ReportModel, s: TraceSummary, m: TraceMembership): number[] {
  const index = indexOf(model);
  const keys = traceFeatures(s, model.space);
  keys.push(featureKey('intent', m.intent));
  if (m.intent !== m.intentCategory) keys.push(featureKey('intent_group', m.intentCategory));
  const out: number[] = [];
  for (const k of new Set(keys)) {
    const i = index.get(k);
    if (i !== undefined) out.push(i);
  }
  return out;
}

/** Step 4: the clusters of each trace of a chunk, and the chunk's tally. */
export function assignChunk(model: ReportModel, chunk: TraceSummary[]): { members: TraceMembership[]; tally: Tally } {
  const tally = emptyTally(model.catalogue.length);
  const members: TraceMembership[] = [];
  for (const s of chunk) {
    const intent = assignIntent(model.intents, s);
    const failure = s.failed ? assignFailure(model.failures, s) : { trajectory: null, review: null };
    const m: TraceMembership = { trace: s.id, intent: intent.leaf, intentCategory: intent.category, trajectoryCluster: failure.trajectory, reviewCluster: failure.review };
    members.push(m);
    tally.traces++;
    if (s.failed) tally.failures++;
    if (s.toolSource === 'messages') tally.toolsFromSpans = false;
    countIntoCluster(tally.intents, m.intent, s);
    if (m.trajectoryCluster) countIntoCluster(tally.trajectoryClusters, m.trajectoryCluster, s);
    if (m.reviewCluster) countIntoCluster(tally.reviewClusters, m.reviewCluster, s);
    countFeatures(tally, s, featuresOf(model, s, m));
  }
  return { members, tally };
}

export { mergeTallies };

/** Step 5: the report from the model and the merged tally of every chunk. */
export function finalizeReport(model: ReportModel, tally: Tally): InsightsReport {
  const traces = tally.traces;
  const { intents, failures } = model;
  const categories: ClusterReport[] = intents.categories.map((c) => {
    const subs = intents.subcategories.filter((s) => s.parent === c.id);
    if (!subs.length) return clusterReport(c, tally.intents[c.id], traces, 'c-tf-idf');
    const children = subs.map((s) => clusterReport(s, tally.intents[s.id], traces, 'c-tf-idf'));
    const parts = subs.map((s) => tally.intents[s.id]).filter(Boolean);
    const sum = parts.length ? parts.reduce(mergeClusterTally) : undefined;
    return { ...clusterReport(c, sum, traces, 'c-tf-idf'), children };
  });
  if (tally.intents[NO_INPUT_ID]?.size) categories.push(clusterReport(intents.noInput, tally.intents[NO_INPUT_ID], traces, 'fixed'));
  const intentNames: Record<string, string> = { [NO_INPUT_ID]: intents.noInput.name };
  for (const n of [...intents.categories, ...intents.subcategories]) intentNames[n.id] = n.name;
  const ranking = rankPatterns(model.catalogue, tally, { toolsFromSpans: tally.toolsFromSpans, intentNames }, { minSupport: model.plan.minSupport, alpha: model.plan.alpha, top: model.plan.topPatterns });
  const failureClusters = (nodes: ClusterNode[], tallies: Tally['intents'], none: string, noneDescription: string) => {
    const out = nodes.map((n) => clusterReport(n, tallies[n.id], traces, 'c-tf-idf'));
    if (tallies[NO_REVIEW_ID]?.size) out.push(clusterReport({ id: NO_REVIEW_ID, parent: null, name: none, description: noneDescription, terms: [], examples: [] }, tallies[NO_REVIEW_ID], traces, 'fixed'));
    return out;
  };
  // An empty report says only that: the fitting notes of nothing would only confuse.
  const notes = traces ? [...noteLines(model, tally), ...intents.notes, ...failures.byTrajectory.notes, ...failures.byReview.notes] : noteLines(model, tally);
  if (ranking.tested && !ranking.significant) notes.push(`no pattern fails significantly more often than the base rate (${ranking.tested} tested, false discovery rate ${model.plan.alpha})`);
  return {
    traces,
    failures: tally.failures,
    baseRate: traces ? Number((tally.failures / traces).toFixed(4)) : null,
    sample: { traces: model.sample.traces, failing: model.sample.failing, sampled: model.plan.sampleRate < 1 || model.plan.failureSampleRate < 1 },
    intents: categories,
    failureClusters: {
      byTrajectory: failureClusters(failures.byTrajectory.clusters, tally.trajectoryClusters, '(no distinguishing trajectory)', 'Failing traces whose calls share nothing with the clusters above.'),
      byReview: failureClusters(failures.byReview.clusters, tally.reviewClusters, '(no reviewer text)', 'Failing traces without comments, corrections or text answers.'),
    },
    patterns: ranking.patterns,
    patternsTested: ranking.tested,
    patternsSignificant: ranking.significant,
    method: {
      features: 'TF-IDF over hashed word 1-2-grams (Porter stems), LSA by randomized SVD',
      clustering: 'leaves by k-means (ml-kmeans from seeded k-means++), k by silhouette; categories by Ward linkage of the leaves (ml-hclust), cut by silhouette',
      naming: 'c-tf-idf',
      facets: model.sample.withFacets ? 'llm' : 'none',
      seed: model.plan.seed,
    },
    notes,
  };
}


function noteLines(model: ReportModel, tally: Tally): string[] {
  const notes: string[] = [];
  if (!tally.traces) return ['no traces matched the report filter: the report is empty'];
  if (!tally.failures) notes.push('no trace matched the failure definition: there are no failure patterns or failure clusters');
  else if (tally.failures === tally.traces) notes.push('every trace matched the failure definition: lift is undefined, so there are no failure patterns');
  if (model.plan.sampleRate < 1) notes.push(`intent clusters were fitted on a sample of ${model.sample.traces.toLocaleString('en-US')} of ${tally.traces.toLocaleString('en-US')} traces (by trace-id hash) and every trace was assigned to them`);
  if (model.plan.failureSampleRate < 1) notes.push(`failure clusters were fitted on ${model.sample.failing.toLocaleString('en-US')} of ${tally.failures.toLocaleString('en-US')} failing traces`);
  if (!tally.toolsFromSpans) notes.push('some traces record tool calls only inside LLM messages: tool patterns have no equivalent filter');
  const noInput = tally.intents[NO_INPUT_ID]?.size ?? 0;
  if (noInput) notes.push(`${noInput.toLocaleString('en-US')} traces have no request text: they are the "(no input)" group`);
  return notes;
}

/** Step 6: the trace ids of each reported pattern in a chunk (for patterns with no equivalent filter, this is their membership). */
export function patternMembers(model: ReportModel, report: InsightsReport, chunk: TraceSummary[], members: TraceMembership[]): Record<string, string[]> {
  const wanted = new Map(report.patterns.map((p) => [indexOf(model).get(p.key)!, p.key]));
  const out: Record<string, string[]> = Object.fromEntries(report.patterns.map((p) => [p.key, []]));
  const byTrace = new Map(members.map((m) => [m.trace, m]));
  for (const s of chunk) {
    const m = byTrace.get(s.id) ?? { trace: s.id, ...intentOf(model, s), trajectoryCluster: null, reviewCluster: null };
    for (const i of featuresOf(model, s, m)) {
      const key = wanted.get(i);
      if (key) out[key].push(s.id);
    }
  }
  return out;
}

function intentOf(model: ReportModel, s: TraceSummary): { intent: string; intentCategory: string } {
  const a = assignIntent(model.intents, s);
  return { intent: a.leaf, intentCategory: a.category };
}

/** Every step in one process, for data that fits in memory (tests, the benchmark, small projects). */
export function runReport(
  summaries: TraceSummary[],
  options: ReportOptions = {},
  onStep?: (step: string, ms: number) => void,
): { report: InsightsReport; members: TraceMembership[]; patternMembers: Record<string, string[]>; model: ReportModel } {
  const time = <T>(step: string, f: () => T): T => {
    const started = performance.now();
    const out = f();
    onStep?.(step, performance.now() - started);
    return out;
  };
  const plan = planReport({ totalTraces: summaries.length, failingTraces: summaries.filter((s) => s.failed).length }, options);
  const inSample = summaries.map((s) => sampleMembership(plan, s.id, s.failed));
  const model = time('fit', () =>
    fitReport(
      plan,
      summaries.filter((_, i) => inSample[i].intent),
      summaries.filter((_, i) => inSample[i].failure),
    ),
  );
  let tally = emptyTally(model.catalogue.length);
  const members: TraceMembership[] = [];
  for (let i = 0; i < summaries.length; i += plan.chunkSize) {
    const chunk = summaries.slice(i, i + plan.chunkSize);
    const out = time('assign', () => assignChunk(model, chunk));
    members.push(...out.members);
    tally = mergeTallies(tally, out.tally);
  }
  const report = time('finalize', () => finalizeReport(model, tally));
  const patternsOut: Record<string, string[]> = Object.fromEntries(report.patterns.map((p) => [p.key, []]));
  for (let i = 0; i < summaries.length; i += plan.chunkSize) {
    const part = time('members', () => patternMembers(model, report, summaries.slice(i, i + plan.chunkSize), members.slice(i, i + plan.chunkSize)));
    for (const [k, ids] of Object.entries(part)) patternsOut[k].push(...ids);
  }
  return { report, members, patternMembers: patternsOut, model };
}
