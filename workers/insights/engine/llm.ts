/**
 * The LLM path's hook. The engine is complete without it; when a provider (or Workers AI)
 * is configured, the job (phase 2, workers/insights/) calls an `InsightsLlm` to:
 *
 * 1. summarise each sampled trace into facets (request, task, outcome, failure reason):
 *    the prompt and the answer's JSON schema are here, the call is the job's, made through
 *    workers/llm within the project's judge spend cap and recorded as judge calls;
 *    `withFacets` puts the answers on the summaries before `fitReport`, where intents
 *    cluster on request + facets and failure clusters read the failure reason;
 * 2. name and describe clusters from their c-TF-IDF terms and example requests
 *    (`labelRequests`), merged by `applyClusterLabels`.
 *
 * A provider that fails, times out or hits the cap mid-report leaves some facets or labels
 * null: the report completes with the offline ones and says so in its notes.
 */
import { z } from 'zod';
import type { TraceFacets, TraceSummary } from './summary.ts';
import type { ClusterReport, InsightsReport } from './report.ts';
import { clip } from './naming.ts';

/** One trace for the LLM to summarise: its id and its trajectory rendered within a token budget (schema/render/trajectory.ts). */
export interface FacetRequest {
  traceId: string;
  trajectory: string;
}

/** One cluster for the LLM to name. */
export interface ClusterLabelRequest {
  clusterId: string;
  kind: 'intent' | 'trajectory' | 'review';
  /** Its distinguishing terms (c-TF-IDF), best first. */
  terms: string[];
  /** A few of its requests (or reviewer texts), clipped. */
  examples: string[];
  /** The names of its sibling clusters, so the name sets it apart. */
  siblings: string[];
}

/** A cluster's name and description from an LLM. */
export interface ClusterLabel {
  name: string;
  description: string;
}

/**
 * What a configured provider offers the Insights job. Results align with requests; null
 * for an item the model could not answer (the offline result stands for it).
 */
export interface InsightsLlm {
  /** A model id for the report's method line, e.g. "openai:gpt-4o-mini". */
  readonly model: string;
  summarizeTraces(requests: FacetRequest[], signal?: AbortSignal): Promise<(TraceFacets | null)[]>;
  labelClusters(requests: ClusterLabelRequest[], signal?: AbortSignal): Promise<(ClusterLabel | null)[]>;
}

/** The system prompt for facets. */
export const FACET_PROMPT = [
  'You read one trace of an AI agent: the user request, the agent\'s steps and tool calls, and how it ended.',
  'Answer with JSON only: {"request": ..., "task": ..., "outcome": ..., "failure_reason": ...}.',
  'request: what the user asked for, in one short sentence without names, ids or numbers.',
  'task: the kind of task in 2-5 words (e.g. "cancel a reservation").',
  'outcome: what the agent achieved, in one short sentence.',
  'failure_reason: why the agent did not fully achieve the request, in one short sentence, or null if it did.',
].join('\n');

/** The facet answer's shape (also usable as a JSON-schema response format). */
export const FacetAnswer = z.object({
  request: z.string().min(1).max(500),
  task: z.string().min(1).max(200),
  outcome: z.string().max(500),
  failure_reason: z.string().max(500).nullable(),
});

/** Facets from a model's answer (text or parsed JSON), or null when it is not a valid answer. */
export function parseFacets(answer: unknown): TraceFacets | null {
  let value = answer;
  if (typeof answer === 'string') {
    try {
      value = JSON.parse(answer.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
    } catch {
      return null;
    }
  }
  const parsed = FacetAnswer.safeParse(value);
  if (!parsed.success) return null;
  const f = parsed.data;
  return { request: f.request, task: f.task, outcome: f.outcome, failureReason: f.failure_reason };
}

/** Summaries with the facets that came back (a null facet leaves its summary as it was). */
export function withFacets(summaries: TraceSummary[], facets: Map<string, TraceFacets | null>): TraceSummary[] {
  return summaries.map((s) => {
    const f = facets.get(s.id);
    return f ? { ...s, facets: f } : s;
  });
}

/** The system prompt for cluster labels. */
export const LABEL_PROMPT = [
  'You name one cluster of AI-agent traces for an engineer reading a report.',
  'You get its most distinguishing terms, a few example requests and the names of the clusters beside it.',
  'Answer with JSON only: {"name": ..., "description": ...}: a name of 2-6 words that sets it apart from the others,',
  'and a description of one sentence saying what these traces have in common.',
].join('\n');

/** Naming requests for every cluster of a report; `textOf` gives a trace's request (or reviewer text) by id. */
export function labelRequests(report: InsightsReport, textOf: (traceId: string) => string | undefined): ClusterLabelRequest[] {
  const out: ClusterLabelRequest[] = [];
  const add = (clusters: ClusterReport[], kind: ClusterLabelRequest['kind']) => {
    for (const c of clusters) {
      if (c.namedBy === 'fixed') continue;
      const siblings = clusters.filter((o) => o !== c).map((o) => o.name);
      const examples = [...c.examples, ...c.failingExamples].map(textOf).filter((t): t is string => !!t).slice(0, 5).map((t) => clip(t, 300));
      out.push({ clusterId: `${kind}:${c.id}`, kind, terms: c.terms, examples, siblings });
      if (c.children) add(c.children, kind);
    }
  };
  add(report.intents, 'intent');
  add(report.failureClusters.byTrajectory, 'trajectory');
  add(report.failureClusters.byReview, 'review');
  return out;
}

/** The report with LLM names where they came back (keys as in labelRequests: "intent:c1.2"). */
export function applyClusterLabels(report: InsightsReport, labels: Map<string, ClusterLabel | null>): InsightsReport {
  let applied = 0;
  const relabel = (clusters: ClusterReport[], kind: ClusterLabelRequest['kind']): ClusterReport[] =>
    clusters.map((c) => {
      const label = labels.get(`${kind}:${c.id}`);
      const children = c.children ? relabel(c.children, kind) : undefined;
      if (!label) return children ? { ...c, children } : c;
      applied++;
      return { ...c, name: clip(label.name, 80), description: clip(label.description, 400), namedBy: 'llm' as const, ...(children ? { children } : {}) };
    });
  const intents = relabel(report.intents, 'intent');
  const byTrajectory = relabel(report.failureClusters.byTrajectory, 'trajectory');
  const byReview = relabel(report.failureClusters.byReview, 'review');
  const missing = labelRequests(report, () => undefined).length - applied;
  return {
    ...report,
    intents,
    failureClusters: { byTrajectory, byReview },
    method: { ...report.method, naming: applied ? 'llm' : report.method.naming },
    notes: missing > 0 && applied ? [...report.notes, `${missing} clusters kept their offline (c-TF-IDF) names: the LLM gave none`] : report.notes,
  };
}
