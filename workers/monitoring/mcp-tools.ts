/**
 * Dashboards as an MCP tool: `stats`, the figures GET /v1/stats/timeseries answers (and the
 * per-model table), as the markdown `loupe stats` prints (schema/render/stats.ts).
 * Registered on the MCP server with one line in workers/mcp/tools.ts.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ApiError } from '../platform/errors.ts';
import type { AuthContext } from '../platform/context.ts';
import { STATS_SPLITS, StatsTimeseriesQuery } from '../../schema/wire/stats.ts';
import { modelsMarkdown, statsMarkdown } from '../../schema/render/stats.ts';
import { statsModels, statsTimeseries } from './stats.ts';

const text = (body: string): CallToolResult => ({ content: [{ type: 'text', text: body }] });
const failure = (err: unknown): CallToolResult => {
  if (err instanceof ApiError) return { content: [{ type: 'text', text: `${err.code}: ${err.message}${err.path ? ` (${err.path})` : ''}` }], isError: true };
  throw err;
};

export function registerStatsTools(server: McpServer, env: Env, auth: AuthContext): void {
  server.registerTool(
    'stats',
    {
      title: 'Figures over time',
      description:
        'Trace count, error rate, latency p50/p95/p99 (within 1% of exact: a DDSketch over roll-ups when unfiltered or filtered by one split field, else exact), tokens, cost and the average of every evaluator score and feedback key, per UTC hour or day, over at most 90 days; optionally one series per model, release, environment, trace name or tag (top 10, then "(other)"), and the per-model table. Use it to see whether a release moved errors, latency, cost or scores. Answers a markdown table.',
      inputSchema: {
        since: z.string().max(64).default('7d').describe('Start: a duration back from now (7d, 24h, 30m) or a date (RFC 3339).'),
        until: z.string().max(64).optional().describe('End (exclusive; default now).'),
        by: z.enum(STATS_SPLITS).default('none').describe('One series per value of this field.'),
        bucket: z.enum(['hour', 'day']).default('day'),
        filter: z.string().max(4000).default('').describe('Which traces, in the Loupe filter language (e.g. env=production); empty: every trace.'),
        models: z.boolean().default(false).describe('Also answer the per-model table (calls, tokens, cost, latency, errors).'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const q = StatsTimeseriesQuery.safeParse({ since: args.since, until: args.until, filter: args.filter, bucket: args.bucket, split: args.by });
      if (!q.success) return { content: [{ type: 'text', text: `invalid_request: ${q.error.issues[0].path.join('.')}: ${q.error.issues[0].message}` }], isError: true };
      try {
        const series = await statsTimeseries(env, auth.projectId, q.data);
        const models = args.models ? await statsModels(env, auth.projectId, q.data) : null;
        return text(statsMarkdown(series, args.filter) + (models ? `\n${modelsMarkdown(models)}` : ''));
      } catch (err) {
        return failure(err);
      }
    },
  );
}
