/**
 * Comparisons and the gate over stored experiments: loads their runs, checks they ran on
 * the same dataset (400 otherwise), picks the examples they share (different dataset
 * versions are compared on the examples both ran, and say so), and hands the rest to the
 * pure core (compare.ts, gate.ts).
 */
import type { z } from 'zod';
import type { ComparisonOut, ExampleComparisonOut, ExampleStatus, GateIn, GateOut } from '../../schema/wire/experiments.ts';
import { ApiError } from '../platform/errors.ts';
import { compareExperiments } from './compare.ts';
import { gate, GateUsageError } from './gate.ts';
import { baselineOf, getExperiment, listRuns, loadRunScores, recordGate, versionBaselineOf } from './experiments.ts';
import type { RunScores } from './runs.ts';
import type { ExperimentOut } from '../../schema/wire/experiments.ts';
import { getTrace } from '../store/trace-query.ts';
import { toolCallsOf, type ToolCall } from '../evals/trajectory.ts';
import { diffTrajectories } from './trajectory-diff.ts';

/** What the datasets room can tell a comparison: the examples of a version, and those tagged `pinned`. */
export interface DatasetExamples {
  /** The example ids of a version; null when the dataset is not a Loupe dataset. */
  exampleIds(projectId: string, datasetId: string, version: number): Promise<string[] | null>;
  pinnedIds(projectId: string, datasetId: string, version: number): Promise<string[]>;
  /** The version a dataset tag names; null when the dataset has no such tag (or is not a Loupe dataset). */
  tagVersion(projectId: string, datasetId: string, tag: string): Promise<number | null>;
}

/** The example ids both experiments must have run: the shared ones of their versions. */
async function sharedExamples(
  projectId: string,
  a: ExperimentOut,
  b: ExperimentOut,
  baseRuns: readonly RunScores[],
  candRuns: readonly RunScores[],
  datasets?: DatasetExamples,
): Promise<string[]> {
  const ia = datasets ? await datasets.exampleIds(projectId, a.dataset_id, a.dataset_version) : null;
  if (ia) {
    if (a.dataset_version === b.dataset_version) return ia;
    const ib = new Set((await datasets!.exampleIds(projectId, b.dataset_id, b.dataset_version)) ?? []);
    return ia.filter((id) => ib.has(id));
  }
  const base = [...new Set(baseRuns.map((r) => r.exampleId))];
  if (a.dataset_version === b.dataset_version) return base;
  const cand = new Set(candRuns.map((r) => r.exampleId));
  return base.filter((id) => cand.has(id));
}

function checkSameDataset(experiments: readonly ExperimentOut[]): void {
  const first = experiments[0];
  for (const e of experiments.slice(1)) {
    if (e.dataset_id !== first.dataset_id) {
      throw new ApiError(400, 'invalid_request', `experiments ${first.name} and ${e.name} ran on different datasets (${first.dataset_id}, ${e.dataset_id}): compare experiments of one dataset`, 'ids');
    }
  }
}

/** Which compared examples a comparison answers with: a page, optionally of some statuses or one example. */
export interface ExamplePage {
  status?: readonly ExampleStatus[];
  exampleId?: string;
  limit: number;
  offset: number;
}

/** The default page: the first 200 examples, regressions first (a 10,000-example list is 2.5 MB of JSON). */
export const FIRST_PAGE: ExamplePage = { limit: 200, offset: 0 };

function pageOf(examples: readonly ExampleComparisonOut[], page: ExamplePage) {
  const status = page.status?.length ? new Set(page.status) : null;
  const matched = status || page.exampleId !== undefined ? examples.filter((e) => (!status || status.has(e.status)) && (page.exampleId === undefined || e.exampleId === page.exampleId)) : examples;
  const end = page.offset + page.limit;
  return { examples: matched.slice(page.offset, end), examples_total: matched.length, next_offset: end < matched.length ? end : null };
}

/** Compares each candidate with the first experiment (the baseline). */
export async function compareStored(
  env: Env,
  projectId: string,
  ids: readonly string[],
  opts: { metrics?: string[]; confidence?: number; datasets?: DatasetExamples; page?: ExamplePage } = {},
): Promise<ComparisonOut[]> {
  if (ids.length < 2) throw new ApiError(400, 'invalid_request', 'ids: name at least two experiments, the baseline first', 'ids');
  const experiments = await Promise.all(ids.map((id) => getExperiment(env, projectId, id)));
  checkSameDataset(experiments);
  const runs = await Promise.all(experiments.map((e) => loadRunScores(env, projectId, e.id)));
  const [base, ...candidates] = experiments;
  const out: ComparisonOut[] = [];
  for (const [i, cand] of candidates.entries()) {
    const examples = await sharedExamples(projectId, base, cand, runs[0], runs[i + 1], opts.datasets);
    let c;
    try {
      c = compareExperiments(runs[0], runs[i + 1], { examples, metrics: opts.metrics, confidence: opts.confidence });
    } catch (e) {
      if (e instanceof RangeError) throw new ApiError(400, 'invalid_request', e.message, 'confidence');
      throw e;
    }
    out.push({ baseline: base.id, candidate: cand.id, same_version: base.dataset_version === cand.dataset_version, ...c, ...pageOf(c.examples, opts.page ?? FIRST_PAGE) });
  }
  return out;
}

/**
 * The baseline a dataset tag names: the experiment pinned for the version the tag points
 * at, in the candidate's dataset. Never the latest run: nothing pinned is a 400 saying so.
 */
async function taggedBaseline(env: Env, projectId: string, cand: ExperimentOut, tag: string, datasets?: DatasetExamples): Promise<ExperimentOut> {
  const version = datasets ? await datasets.tagVersion(projectId, cand.dataset_id, tag) : null;
  if (version === null) throw new ApiError(400, 'invalid_request', `baseline_tag: dataset ${cand.dataset_id} has no tag '${tag}'`, 'baseline_tag');
  const base = await versionBaselineOf(env, projectId, cand.dataset_id, version);
  if (!base) {
    throw new ApiError(400, 'invalid_request', `baseline_tag: no experiment is pinned as baseline for dataset ${cand.dataset_id} at tag '${tag}' (version ${version}); pin one run on that version`, 'baseline_tag');
  }
  return base;
}

/**
 * Gates a candidate against the named baseline or the dataset's pinned one, and records
 * the verdict on the candidate (a failed candidate cannot be pinned).
 */
export async function gateStored(env: Env, projectId: string, candidateId: string, body: z.output<typeof GateIn>, datasets?: DatasetExamples): Promise<GateOut> {
  const options = { metrics: body.metrics, maxRegressions: body.max_regressions, minDelta: body.min_delta, confidence: body.confidence };
  const cand = await getExperiment(env, projectId, candidateId);
  if (body.baseline !== undefined && body.baseline_tag !== undefined) {
    throw new ApiError(400, 'invalid_request', 'baseline_tag: baseline and baseline_tag name the baseline two ways: give one', 'baseline_tag');
  }
  let base: ExperimentOut | null;
  let from: 'named' | 'pinned' | 'tag';
  if (body.baseline !== undefined) {
    base = await getExperiment(env, projectId, body.baseline);
    from = 'named';
  } else if (body.baseline_tag !== undefined) {
    base = await taggedBaseline(env, projectId, cand, body.baseline_tag, datasets);
    from = 'tag';
  } else {
    base = await baselineOf(env, projectId, cand.dataset_id);
    if (!base) throw new ApiError(400, 'invalid_request', `baseline: dataset ${cand.dataset_id} has no pinned baseline; pin one or name it`, 'baseline');
    from = 'pinned';
  }
  if (base.id === cand.id) throw new ApiError(400, 'invalid_request', 'baseline: the candidate cannot be its own baseline', 'baseline');
  checkSameDataset([base, cand]);
  const [baseRuns, candRuns] = await Promise.all([loadRunScores(env, projectId, base.id), loadRunScores(env, projectId, cand.id)]);
  const examples = await sharedExamples(projectId, base, cand, baseRuns, candRuns, datasets);
  const pinned = datasets ? await datasets.pinnedIds(projectId, cand.dataset_id, cand.dataset_version) : [];
  let g;
  try {
    g = gate(baseRuns, candRuns, { ...options, examples, pinned });
  } catch (e) {
    if (e instanceof GateUsageError) throw new ApiError(400, 'invalid_request', e.message, e.field);
    throw e;
  }
  await recordGate(env, projectId, cand.id, g.pass);
  return {
    pass: g.pass,
    reasons: g.reasons,
    baseline: base.id,
    candidate: cand.id,
    baseline_from: from,
    confidence: g.confidence,
    metrics: g.metrics,
    regressed: g.regressed.map((e) => e.exampleId),
    errored: g.errored.map((e) => e.exampleId),
    missing: g.missing,
    pinned_regressed: g.pinnedRegressed,
  };
}

/**
 * The trajectory diff of one example between a baseline and a candidate run: the tool
 * calls read from each run's trace (tool spans, else the tool calls in LLM output), the
 * outputs as recorded. A run whose trace has not arrived yet diffs with no calls.
 */
export async function diffStored(env: Env, projectId: string, baselineId: string, candidateId: string, exampleId: string, repetition = 0) {
  const [base, cand] = await Promise.all([getExperiment(env, projectId, baselineId), getExperiment(env, projectId, candidateId)]);
  checkSameDataset([base, cand]);
  const side = async (e: ExperimentOut) => {
    const run = (await listRuns(env, projectId, e.id)).find((r) => r.example_id === exampleId && r.repetition === repetition);
    if (!run) throw new ApiError(404, 'not_found', `experiment ${e.name} has no run of example ${exampleId} (repetition ${repetition})`, 'example_id');
    let calls: ToolCall[] = [];
    let output: unknown = run.output;
    try {
      const tree = await getTrace(env, projectId, run.trace_id);
      calls = toolCallsOf(tree.spans);
      if (output === null) output = tree.spans.find((s) => !s.parent_id)?.output ?? null;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    return { run, calls, output };
  };
  const [a, b] = await Promise.all([side(base), side(cand)]);
  return {
    example_id: exampleId,
    repetition,
    baseline: { experiment_id: base.id, trace_id: a.run.trace_id, error: a.run.error, scores: a.run.scores, calls: a.calls.map(({ name, args }) => ({ name, args })) },
    candidate: { experiment_id: cand.id, trace_id: b.run.trace_id, error: b.run.error, scores: b.run.scores, calls: b.calls.map(({ name, args }) => ({ name, args })) },
    diff: diffTrajectories({ calls: a.calls, output: a.output }, { calls: b.calls, output: b.output }),
  };
}
