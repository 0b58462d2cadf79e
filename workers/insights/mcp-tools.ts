/**
 * Insights as MCP tools: run a report, list reports, read one (markdown from
 * schema/render/insights.ts, the same the CLI prints) and its patterns. Registered on the
 * MCP server with one line in workers/mcp/tools.ts; errors come back as tool errors.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ApiError } from '../platform/errors.ts';
import type { AuthContext } from '../platform/context.ts';
import { ReportRun } from '../../schema/wire/insights.ts';
import { patternsTable, reportMarkdown, reportsTable } from '../../schema/render/insights.ts';
import { getReportRow, listReportRows } from './reports.ts';
import { readReport, startReport } from './service.ts';

const text = (body: string): CallToolResult => ({ content: [{ type: 'text', text: body }] });
const failure = (err: unknown): CallToolResult => {
  if (err instanceof ApiError) return { content: [{ type: 'text', text: `${err.code}: ${err.message}${err.path ? ` (${err.path})` : ''}` }], isError: true };
  throw err;
};

export function registerInsightsTools(server: McpServer, env: Env, auth: AuthContext): void {
  const projectId = auth.projectId;
  const reportArg = z.string().min(1).max(64).describe('The report id (ir_...), from run_insights_report or list_insights_reports.');

  server.registerTool(
    'run_insights_report',
    {
      title: 'Run an Insights report',
      description:
        'Clusters the traces a filter matches by intent (what users asked for) and by failure, and ranks failure patterns (tools, tool errors, call sequences, skipped steps, releases, models, latency ranges, intents) by lift with confidence intervals and a false-discovery-rate test. Runs in the background (seconds for hundreds of traces, minutes for 100,000): read it with get_insights_report. Each cluster and pattern has a filter `insight.<report>=<id>` that search_traces accepts.',
      inputSchema: {
        filter: z.string().max(4000).optional().describe('Which traces (the Loupe filter language; empty: every trace).'),
        since: z.string().max(40).optional().describe('Start of the range: 30d (default), 12h or a date.'),
        failure_filter: z.string().max(4000).optional().describe('What failing means, e.g. `feedback.outcome=0`; default: some feedback or score below 0.5 (thumbs-down, outcome=0, a low evaluator score) or an error status.'),
      },
      annotations: { readOnlyHint: false, openWorldHint: false },
    },
    async (args) => {
      try {
        const row = await startReport(env, projectId, ReportRun.parse({ filter: args.filter ?? '', since: args.since ?? '30d', failure_filter: args.failure_filter }), 'api');
        return text(`Started Insights report \`${row.id}\`. Read it with get_insights_report (report_id="${row.id}") once its status is done.`);
      } catch (err) {
        return failure(err);
      }
    },
  );

  server.registerTool(
    'list_insights_reports',
    { title: 'List Insights reports', description: 'Reports of this project, newest first, with status, progress, trace counts and the method that ran.', inputSchema: {}, annotations: { readOnlyHint: true, openWorldHint: false } },
    async () => text(reportsTable(await listReportRows(env, projectId, 20))),
  );

  server.registerTool(
    'get_insights_report',
    {
      title: 'Read an Insights report',
      description: 'A report as markdown: its status (or progress), notes, the intent hierarchy with sizes and failure rates, failure clusters by trajectory and by reviewer text, and the top failure patterns with lift, CI and q, each with the filter that opens its traces in search_traces.',
      inputSchema: { report_id: reportArg, top_patterns: z.number().int().min(1).max(50).default(10).describe('Patterns to show (1-50).') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const row = await getReportRow(env, projectId, args.report_id);
        return text(reportMarkdown({ ...row, report: await readReport(env, projectId, row) }, args.top_patterns));
      } catch (err) {
        return failure(err);
      }
    },
  );

  server.registerTool(
    'get_insights_patterns',
    {
      title: 'Failure patterns of a report',
      description: 'Every failure pattern of a report ranked by lift (significant ones that fail more first), as a markdown table with support, failures, rate, lift with 95% CI, q, and the filter to open its traces.',
      inputSchema: { report_id: reportArg },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const row = await getReportRow(env, projectId, args.report_id);
        const report = await readReport(env, projectId, row);
        if (!report) return text(`Report \`${row.id}\` is ${row.status} (${row.progress.step} ${row.progress.done}/${row.progress.total}): no patterns yet.`);
        return text(patternsTable(row.id, report.patterns, report.baseRate));
      } catch (err) {
        return failure(err);
      }
    },
  );
}
