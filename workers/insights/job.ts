/**
 * The work of each step of an Insights report, as plain async functions of (env, params,
 * chunk): workflow.ts only sequences them. Each reads its inputs from R2/D1 and writes its
 * outputs there, so a retried step redoes exactly its own work (same keys, INSERT OR
 * IGNORE rows) and returns only small values (a Workflow step's result is at most 1 MiB).
 */
import { getTraces } from '../store/trace-query.ts';
import { summarizeTrace, type TraceSummary } from './engine/summary.ts';
import { assignChunk, finalizeReport, fitReport, patternMembers, planReport, sampleMembership, type ReportModel, type ReportPlan } from './engine/steps.ts';
import type { Tally } from './engine/tally.ts';
import { emptyTally, mergeTallies } from './engine/tally.ts';
import type { InsightsReport } from './engine/report.ts';
import { unitHash } from './engine/hash.ts';
import { applyClusterLabels, labelRequests } from './engine/llm.ts';
import { renderTrace } from '../../schema/render/trajectory.ts';
import { InsightsCalls, MAX_FACET_TRACES } from './llm-path.ts';
import { countTraces, MAX_REPORT_TRACES, r2Key, selectTraces, setProgress, writeMembers, type ReportRequest } from './reports.ts';

/** What the Workflow is started with. */
export interface ReportParams {
  projectId: string;
  reportId: string;
  request: ReportRequest;
  /** When the report was asked for: anchors relative times in filters (since:7d). */
  now: number;
  /** The LLM provider for facets and names, or null: offline. */
  providerId?: string | null;
}

/** What the LLM did so far in a report: calls made, and why it stopped (null: still on). */
export interface LlmState {
  calls: number;
  stopped: string | null;
  model: string | null;
}

/** What the select step found. */
export interface Selection {
  matched: number;
  traces: number;
  failing: number;
  chunks: number;
  chunkSize: number;
  capped: boolean;
  plan: ReportPlan;
}

/** Traces loaded from D1/R2 at once while summarising: a tau-bench tree is ~100 KB (every LLM span repeats the conversation), so 25 stay a few MB of the 128 MB. */
const TREES_AT_ONCE = 25;
const SELECT_PAGE = 10_000;

async function putJson(env: Env, key: string, value: unknown): Promise<void> {
  await env.BLOBS.put(key, JSON.stringify(value));
}

async function getJson<T>(env: Env, key: string): Promise<T> {
  const obj = await env.BLOBS.get(key);
  if (!obj) throw new Error(`insights: ${key} is missing from R2`);
  return (await obj.json()) as T;
}

/** Step 1: the traces (ids + failed), in chunks to R2, and the plan. */
export async function selectStep(env: Env, p: ReportParams, chunkSize: number): Promise<Selection> {
  const matched = await countTraces(env, p.projectId, p.request, p.now);
  const want = Math.min(matched, MAX_REPORT_TRACES);
  let chunk: [string, boolean][] = [];
  let chunks = 0;
  let traces = 0;
  let failing = 0;
  let after: [string, string] | null = null;
  const flush = async () => {
    if (!chunk.length) return;
    await putJson(env, r2Key.ids(p.projectId, p.reportId, chunks++), chunk);
    chunk = [];
  };
  while (traces < want) {
    const page = await selectTraces(env, p.projectId, p.request, p.now, after, Math.min(SELECT_PAGE, want - traces));
    if (!page.length) break;
    for (const t of page) {
      chunk.push([t.id, t.failed]);
      traces++;
      if (t.failed) failing++;
      if (chunk.length === chunkSize) await flush();
    }
    const last = page[page.length - 1];
    after = [last.tail, last.id];
  }
  await flush();
  const plan = planReport({ totalTraces: traces, failingTraces: failing }, { chunkSize });
  await setProgress(env, p.projectId, p.reportId, 'summarise', 0, chunks);
  return { matched, traces, failing, chunks, chunkSize, capped: matched > traces, plan };
}

/** Step 2 (per chunk): summaries to R2, and the sampled ones (for fit) beside them. */
export async function summariseStep(env: Env, p: ReportParams, sel: Selection, i: number, llm: LlmState): Promise<{ sampled: number; llm: LlmState }> {
  const ids = await getJson<[string, boolean][]>(env, r2Key.ids(p.projectId, p.reportId, i));
  const failed = new Map(ids);
  const summaries: TraceSummary[] = [];
  // Facets for a fixed share of the intent sample (by trace-id hash), at most MAX_FACET_TRACES per report.
  const facetRate = Math.min(1, MAX_FACET_TRACES / Math.max(1, Math.min(sel.traces, sel.plan.sampleSize)));
  let calls: InsightsCalls | null = null;
  let state = llm;
  if (p.providerId && !llm.stopped) {
    const opened = await InsightsCalls.open(env, p.projectId, p.reportId, p.providerId);
    if (typeof opened === 'string') state = { ...llm, stopped: opened };
    else calls = opened;
  }
  for (let k = 0; k < ids.length; k += TREES_AT_ONCE) {
    const trees = await getTraces(env, p.projectId, ids.slice(k, k + TREES_AT_ONCE).map(([id]) => id));
    for (const [id] of ids.slice(k, k + TREES_AT_ONCE)) {
      const tree = trees.get(id);
      // A trace deleted since select is left out (counted in the report as it is read now).
      if (!tree) continue;
      const s = summarizeTrace(tree, { failed: failed.get(id) ?? false });
      if (calls && !calls.stopped && sampleMembership(sel.plan, id, s.failed).intent && unitHash(id, sel.plan.seed + 2) < facetRate) {
        const facets = await calls.facets(id, renderTrace(tree, { maxTokens: 1500 }));
        if (facets) s.facets = facets;
      }
      summaries.push(s);
    }
  }
  if (calls) {
    await calls.flush();
    state = { calls: llm.calls + calls.calls, stopped: calls.stopped, model: calls.modelLabel };
  }
  const sample = summaries
    .map((s) => ({ s, in: sampleMembership(sel.plan, s.id, s.failed) }))
    .filter((x) => x.in.intent || x.in.failure)
    .map((x) => ({ summary: x.s, intent: x.in.intent, failure: x.in.failure }));
  await putJson(env, r2Key.summaries(p.projectId, p.reportId, i), summaries);
  await putJson(env, r2Key.sample(p.projectId, p.reportId, i), sample);
  await setProgress(env, p.projectId, p.reportId, 'summarise', i + 1, sel.chunks);
  return { sampled: sample.length, llm: state };
}

type SampleRow = { summary: TraceSummary; intent: boolean; failure: boolean };

/** Step 3: fit on the samples of every chunk; the model (MBs) to R2. */
export async function fitStep(env: Env, p: ReportParams, sel: Selection, llm: LlmState): Promise<{ catalogue: number }> {
  const intent: TraceSummary[] = [];
  const failure: TraceSummary[] = [];
  for (let i = 0; i < sel.chunks; i++) {
    for (const row of await getJson<SampleRow[]>(env, r2Key.sample(p.projectId, p.reportId, i))) {
      // A provider that failed part-way: the report is offline throughout, not half one and half the other.
      if (llm.stopped) delete row.summary.facets;
      if (row.intent) intent.push(row.summary);
      if (row.failure) failure.push(row.summary);
    }
  }
  const model = fitReport(sel.plan, intent, failure);
  await putJson(env, r2Key.model(p.projectId, p.reportId), model);
  await setProgress(env, p.projectId, p.reportId, 'assign', 0, sel.chunks);
  return { catalogue: model.catalogue.length };
}

/** How a failure cluster id is stored: `none` is also the intents' (no input) group. */
export const failureClusterId = (kind: 't' | 'r', id: string) => (id === 'none' ? `${kind}-none` : id);

/** Step 4 (per chunk): memberships to D1, the chunk's tally returned (~35 KB). */
export async function assignStep(env: Env, p: ReportParams, sel: Selection, i: number): Promise<Tally> {
  const model = await getJson<ReportModel>(env, r2Key.model(p.projectId, p.reportId));
  const summaries = await getJson<TraceSummary[]>(env, r2Key.summaries(p.projectId, p.reportId, i));
  const { members, tally } = assignChunk(model, summaries);
  const pairs: [string, string][] = [];
  for (const m of members) {
    pairs.push([m.intent, m.trace]);
    if (m.intentCategory !== m.intent) pairs.push([m.intentCategory, m.trace]);
    if (m.trajectoryCluster) pairs.push([failureClusterId('t', m.trajectoryCluster), m.trace]);
    if (m.reviewCluster) pairs.push([failureClusterId('r', m.reviewCluster), m.trace]);
  }
  await writeMembers(env, p.projectId, p.reportId, pairs);
  await setProgress(env, p.projectId, p.reportId, 'assign', i + 1, sel.chunks);
  return tally;
}

/** Step 5: the report from the merged tallies, to R2 (not yet visible: the row is not done). */
export async function finalizeStep(env: Env, p: ReportParams, sel: Selection, tallies: Tally[], llm: LlmState): Promise<{ patterns: number; traces: number; failures: number; method: string }> {
  const model = await getJson<ReportModel>(env, r2Key.model(p.projectId, p.reportId));
  const tally = tallies.reduce((a, b) => mergeTallies(a, b));
  let report = finalizeReport(model, tally) as InsightsReport & { sample: InsightsReport['sample'] & { capped?: boolean; matched?: number } };
  const extraNotes: string[] = [];
  let state = llm;
  if (p.providerId && !llm.stopped) {
    const opened = await InsightsCalls.open(env, p.projectId, p.reportId, p.providerId);
    if (typeof opened === 'string') state = { ...llm, stopped: opened };
    else {
      const texts = await exampleTexts(env, p, sel);
      const labels = new Map<string, Awaited<ReturnType<InsightsCalls['label']>>>();
      for (const req of labelRequests(report, (id) => texts.get(id))) labels.set(req.clusterId, await opened.label(req));
      await opened.flush();
      state = { calls: llm.calls + opened.calls, stopped: opened.stopped, model: opened.modelLabel };
      if (!opened.stopped) report = applyClusterLabels(report, labels) as typeof report;
    }
  }
  if (state.stopped) extraNotes.push(`${state.stopped} after ${state.calls} LLM calls: the report completed offline (TF-IDF clusters, c-TF-IDF names)`);
  else if (p.providerId) extraNotes.push(`LLM: ${state.calls} calls to ${state.model} (facets for up to ${MAX_FACET_TRACES} sampled traces, cluster names), counted against the daily judge caps and recorded as judge calls`);
  report.sample.capped = sel.capped;
  report.sample.matched = sel.matched;
  if (sel.capped) report.notes.unshift(`${sel.matched.toLocaleString('en-US')} traces matched: the report read a sample of ${sel.traces.toLocaleString('en-US')} (the most one report reads), spread over the time range`);
  report.notes.push(...extraNotes);
  const method = !state.stopped && (model.sample.withFacets || report.method.naming === 'llm') ? 'llm' : 'offline';
  (report.method as InsightsReport['method'] & { path?: string }).path = method;
  await putJson(env, r2Key.report(p.projectId, p.reportId), report);
  await setProgress(env, p.projectId, p.reportId, 'members', 0, sel.chunks);
  return { patterns: report.patterns.length, traces: report.traces, failures: report.failures, method };
}

/** Step 6 (per chunk): trace ids of each reported pattern (`p1`, `p2`, ... by rank) to D1. */
export async function membersStep(env: Env, p: ReportParams, sel: Selection, i: number): Promise<void> {
  const model = await getJson<ReportModel>(env, r2Key.model(p.projectId, p.reportId));
  const report = await getJson<InsightsReport>(env, r2Key.report(p.projectId, p.reportId));
  const summaries = await getJson<TraceSummary[]>(env, r2Key.summaries(p.projectId, p.reportId, i));
  const byKey = patternMembers(model, report, summaries, []);
  const pairs: [string, string][] = [];
  report.patterns.forEach((pattern, rank) => {
    for (const trace of byKey[pattern.key] ?? []) pairs.push([`p${rank + 1}`, trace]);
  });
  await writeMembers(env, p.projectId, p.reportId, pairs);
  await setProgress(env, p.projectId, p.reportId, 'members', i + 1, sel.chunks);
}

/** After done: the job's state in R2 goes (report.json stays). */
export async function cleanupStep(env: Env, p: ReportParams): Promise<void> {
  const prefix = r2Key.prefix(p.projectId, p.reportId);
  const keep = r2Key.report(p.projectId, p.reportId);
  let cursor: string | undefined;
  do {
    const list = await env.BLOBS.list({ prefix, cursor });
    const keys = list.objects.map((o) => o.key).filter((k) => k !== keep);
    if (keys.length) await env.BLOBS.delete(keys);
    cursor = list.truncated ? list.cursor : undefined;
  } while (cursor);
}

/** Step 5 when no trace matched: a report that says so (the row still goes through publish). */
export async function emptyStep(env: Env, p: ReportParams): Promise<{ patterns: number; traces: number; failures: number; method: string }> {
  const model = fitReport(planReport({ totalTraces: 0, failingTraces: 0 }), [], []);
  const report = finalizeReport(model, emptyTally(model.catalogue.length));
  (report.method as InsightsReport['method'] & { path?: string }).path = 'offline';
  await putJson(env, r2Key.report(p.projectId, p.reportId), report);
  return { patterns: 0, traces: 0, failures: 0, method: 'offline' };
}

/** The request text of the sample's traces (cluster examples come from the sample), for naming prompts. */
async function exampleTexts(env: Env, p: ReportParams, sel: Selection): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < sel.chunks; i++) {
    for (const row of await getJson<SampleRow[]>(env, r2Key.sample(p.projectId, p.reportId, i))) {
      const s = row.summary;
      out.set(s.id, s.facets?.request ?? (s.request || s.reviewerTexts.join(' ')));
    }
  }
  return out;
}
