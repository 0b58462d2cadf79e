/** Builders for Insights engine tests: summaries by hand, and summaries of the tau-bench fixture and demo. */
import type { TraceSummary, ToolCallSummary } from '../workers/insights/engine/summary.ts';
import { summarizeTrace } from '../workers/insights/engine/summary.ts';
import { taubenchTree } from '../scripts/demo/taubench-tree.ts';
import type { TauBenchItem } from '../scripts/demo/taubench.ts';
import fixture from './fixtures/taubench/trajectories.json';
import demo from '../demo/taubench-airline.json';

/** A summary with defaults; `tools` may be names (calls that succeeded). */
export function summary(id: string, overrides: Partial<Omit<TraceSummary, 'tools'>> & { tools?: (string | ToolCallSummary)[] } = {}): TraceSummary {
  const { tools, ...rest } = overrides;
  return {
    id,
    request: '',
    requestSource: 'none',
    tools: (tools ?? []).map((t) => (typeof t === 'string' ? { name: t, error: false, args: t } : t)),
    toolSource: tools?.length ? 'spans' : 'none',
    steps: tools?.length ?? 0,
    latencyMs: null,
    tokens: null,
    costUsd: null,
    models: [],
    release: null,
    environment: null,
    tags: [],
    metadata: {},
    errorSpans: [],
    ending: 'reply',
    reviewerTexts: [],
    feedback: {},
    error: false,
    failed: false,
    ...rest,
  };
}

/** The six fixture conversations as summaries (failed = reward 0). */
export function fixtureSummaries(): TraceSummary[] {
  const items = fixture as unknown as TauBenchItem[];
  return items.map((item, i) => summarizeTrace(taubenchTree(item, i, items.length), { failed: item.reward < 1 }));
}

/** The 200 demo conversations as summaries (failed = reward 0). */
export function demoSummaries(): TraceSummary[] {
  const items = demo as unknown as TauBenchItem[];
  return items.map((item, i) => summarizeTrace(taubenchTree(item, i, items.length), { failed: item.reward < 1 }));
}
