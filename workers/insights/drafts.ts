/**
 * An evaluator drafted from a report's cluster or pattern, as a POST /v1/evaluators body:
 * a `tool_sequence` check (mode superset) for a tool-sequence pattern, `no_loops` for a
 * loop, `tool_called` for a tool, `error_free` for a failing tool or span, and an LLM
 * judge with criteria written from the cluster for an intent (or anything else). The
 * caller reviews it, then creates it through the existing evaluator API (validated there).
 */
import { parseFeatureKey } from './engine/feature-key.ts';
import type { ClusterOut, PatternOut, ReportBody } from '../../schema/wire/insights.ts';

export interface EvaluatorDraft {
  name: string;
  key: string;
  description: string;
  target: { type: 'trace' };
  config: Record<string, unknown>;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 40) || 'pattern';

function judge(subject: string, criteria: string, providerId: string | null): Record<string, unknown> {
  return {
    type: 'judge',
    provider_id: providerId ?? '<set a provider id: POST /v1/providers>',
    prompt: {
      user: `${criteria}\n\nThe agent's trajectory:\n{{trajectory}}\n\nDid the agent handle this ${subject} correctly?`,
    },
    variables: { trajectory: 'trajectory' },
    output: { type: 'boolean' },
  };
}

/** The draft for a pattern. */
export function patternDraft(reportId: string, p: PatternOut, providerId: string | null): EvaluatorDraft {
  const { kind, parts } = parseFeatureKey(p.key);
  const why = `Drafted from Insights report ${reportId}, pattern ${p.id} "${p.label}": ${p.failures} of ${p.support} traces failed (lift ${p.lift.toFixed(2)}).`;
  const base = { target: { type: 'trace' as const }, key: `insight_${slug(p.label)}` };
  switch (kind) {
    case 'seq':
      return {
        ...base,
        name: `Sequence ${p.label}`,
        description: `${why} Scores 1 when the trace makes these calls (in this order or with others between), the sequence that fails often; use it to follow the pattern's rate.`,
        config: { type: 'code', check: 'tool_sequence', expected: (parts as string[]).map((name) => ({ name })), mode: 'superset', args_match: 'ignore' },
      };
    case 'loop':
    case 'any_loop':
      return { ...base, name: `No loops (${p.label})`, description: `${why} Scores 0 when a tool is called with the same arguments more than twice.`, config: { type: 'code', check: 'no_loops', max_identical_calls: 2 } };
    case 'tool_error':
    case 'span_error':
      return { ...base, name: `Error free (${p.label})`, description: `${why} Scores 0 when some span failed.`, config: { type: 'code', check: 'error_free' } };
    case 'tool':
      return { ...base, name: `Calls ${parts[0]}`, description: `${why} Scores 1 when the trace calls ${parts[0]}.`, config: { type: 'code', check: 'tool_called', tool: String(parts[0]) } };
    default:
      return { ...base, name: `Judge: ${p.label}`.slice(0, 128), description: why, config: judge('request', `Traces of this kind fail often: ${p.label}.`, providerId) };
  }
}

/** The draft for an intent (or failure) cluster: judge criteria from its name, description and terms. */
export function clusterDraft(reportId: string, c: ClusterOut, providerId: string | null): EvaluatorDraft {
  const criteria = [`Requests of this kind: ${c.name}.`, c.description, c.terms.length ? `Typical terms: ${c.terms.slice(0, 8).join(', ')}.` : '', c.failureRate != null ? `${Math.round(c.failureRate * 100)}% of them failed in report ${reportId}.` : ''].filter(Boolean).join(' ');
  return {
    name: `Judge: ${c.name}`.slice(0, 128),
    key: `insight_${slug(c.name)}`,
    description: `Drafted from Insights report ${reportId}, cluster ${c.id} (${c.size} traces).`,
    target: { type: 'trace' },
    config: judge('request', criteria, providerId),
  };
}

/** The draft for any id of a report, or null. */
export function draftFor(reportId: string, report: ReportBody, id: string, providerId: string | null): EvaluatorDraft | null {
  const p = report.patterns.find((x) => x.id === id);
  if (p) return patternDraft(reportId, p, providerId);
  const walk = (cs: ClusterOut[]): ClusterOut | undefined => {
    for (const c of cs) {
      if (c.id === id) return c;
      const k = c.children && walk(c.children);
      if (k) return k;
    }
    return undefined;
  };
  const c = walk([...report.intents, ...report.failureClusters.byTrajectory, ...report.failureClusters.byReview]);
  return c ? clusterDraft(reportId, c, providerId) : null;
}
