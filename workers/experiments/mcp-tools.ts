/**
 * MCP tools for experiments: list a dataset's experiments, compare a candidate with its
 * baseline (error bars, regressions first). Registered by workers/mcp/tools.ts.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { comparisonMarkdown, experimentsTable } from '../../schema/render/experiments.ts';
import { ApiError } from '../platform/errors.ts';
import type { AuthContext } from '../platform/context.ts';
import { listExperiments } from './experiments.ts';
import { compareStored } from './comparisons.ts';
import { datasetExamples } from './dataset-examples.ts';

const text = (body: string): CallToolResult => ({ content: [{ type: 'text', text: body }] });

/** Adds list_experiments and compare_experiments to `server`, bound to the caller's project. */
export function registerExperimentTools(server: McpServer, env: Env, auth: AuthContext, url: string): void {
  server.registerTool(
    'list_experiments',
    {
      title: 'List experiments',
      description: 'Experiments (a candidate prompt, model or agent build run over a pinned dataset version), newest first, as a markdown table: name, id, dataset@version, candidate, status (the pinned baseline is marked).',
      inputSchema: { dataset_id: z.string().max(128).optional().describe('Only experiments of this dataset.'), limit: z.number().int().min(1).max(100).default(20) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => text(experimentsTable(await listExperiments(env, auth.projectId, { datasetId: args.dataset_id, limit: args.limit }))),
  );

  server.registerTool(
    'compare_experiments',
    {
      title: 'Compare experiments',
      description:
        'Compare candidate experiments with a baseline on the examples they share: per metric both means with 95% intervals, the paired difference with its interval, McNemar p for pass/fail; then the changed examples, regressions first, with score, latency and cost deltas and links to the trajectory diff.',
      inputSchema: {
        baseline: z.string().min(1).max(256).describe('The baseline experiment (id or name).'),
        candidates: z.array(z.string().min(1).max(256)).min(1).max(5).describe('Candidate experiments (ids or names).'),
        metrics: z.array(z.string().max(128)).max(20).optional().describe('Only these feedback keys.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const comparisons = await compareStored(env, auth.projectId, [args.baseline, ...args.candidates], { metrics: args.metrics, datasets: datasetExamples(env) });
        return text(comparisons.map((c) => comparisonMarkdown(c, { url })).join('\n'));
      } catch (err) {
        if (err instanceof ApiError) return { content: [{ type: 'text', text: `${err.code}: ${err.message}` }], isError: true };
        throw err;
      }
    },
  );
}
