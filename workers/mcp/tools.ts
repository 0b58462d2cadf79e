/**
 * Loupe's MCP tools: search traces, read one as a budgeted trajectory, search spans, list
 * feedback keys, add feedback. Each call runs the same plain functions as the HTTP API,
 * scoped to the API key's project; errors come back as tool errors an agent can read
 * (a bad filter names the place, like the CLI), never as protocol failures.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { FILTER_FIELDS } from '../../schema/filter/index.ts';
import { FeedbackIn, FeedbackKey } from '../../schema/wire/feedback.ts';
import { renderTrace } from '../../schema/render/trajectory.ts';
import { feedbackKeysTable, feedbackSentence, spansTable, tracesTable } from '../../schema/render/lists.ts';
import { getTrace, listSpans, listTraces, TRACE_SORTS, type TraceSort } from '../store/trace-query.ts';
import { feedbackKeys, upsertFeedback } from '../store/feedback.ts';
import { ApiError } from '../platform/errors.ts';
import { hasScope, type AuthContext } from '../platform/context.ts';
import { registerDatasetTools } from '../datasets/mcp-tools.ts';
import { registerExperimentTools } from '../experiments/mcp-tools.ts';
import { registerCalibrationTools } from '../calibration/mcp-tools.ts';
import { registerInsightsTools } from '../insights/mcp-tools.ts';
import { registerStatsTools } from '../monitoring/mcp-tools.ts';

/** Most rows one search answers (the API allows 500; an agent's context does not). */
export const MCP_MAX_PAGE = 100;
/** The trajectory budget when the caller sets none, and the most it may ask for. */
export const DEFAULT_TRACE_TOKENS = 8000;
export const MAX_TRACE_TOKENS = 50_000;

const fieldList = FILTER_FIELDS.map((f) => `${f.name}${f.type === 'keyed' ? '.<key>' : ''} (${f.example})`).join(', ');

/** What every filter argument says about the language: fields, operators, examples. */
export const FILTER_HELP = [
  'A filter in the Loupe filter language (empty = everything). Conditions side by side must all hold; `or`, `not` and parentheses combine them.',
  "Operators: = != > >= < <= ~ (contains, case-insensitive) in (a, b). Durations: 250ms 5s 2m 1h 1d. A bare word or \"quoted phrase\" is full-text search over inputs, outputs and errors.",
  `Fields: ${fieldList}.`,
  'Time: since:7d, since:2026-01-01, until:1h. has(...) asks for ONE span matching everything inside (on traces).',
  'Examples: `feedback.outcome=0 since:7d` · `score.helpfulness<0.5 or feedback.thumbs=0` · `has(kind=tool name=book_reservation status=error)` · `env=production latency>30s` · `"refund" model=gpt-4o`.',
].join(' ');

/** The filter argument; the language itself is described once, in the tool's description. */
const filterArg = z.string().max(4000).optional().describe('A filter in the Loupe filter language (described above); empty or absent matches everything.');

const since = z.string().max(40).optional().describe('Shorthand for since:<value> in the filter: 30m, 12h, 7d or a date (2026-01-31).');

function text(body: string): CallToolResult {
  return { content: [{ type: 'text', text: body }] };
}

function failure(body: string): CallToolResult {
  return { content: [{ type: 'text', text: body }], isError: true };
}

/** Joins a filter and a `since` shorthand (the user's filter is parenthesised, so `a or b` keeps its meaning). */
function withSince(filter: string | undefined, sinceValue: string | undefined): { q: string | undefined; offset: number } {
  const f = filter?.trim();
  if (!sinceValue) return { q: f || undefined, offset: 0 };
  const s = /^[\w.:+-]+$/.test(sinceValue) ? sinceValue : JSON.stringify(sinceValue);
  return f ? { q: `(${f}) since:${s}`, offset: 1 } : { q: `since:${s}`, offset: 0 };
}

/** An ApiError as a tool error; filter errors show the filter with carets under the place. */
function toolError(err: unknown, filter?: string, offset = 0): CallToolResult {
  if (err instanceof ApiError) {
    const pos = err.extra?.position;
    if (err.code === 'invalid_filter' && typeof pos === 'number' && filter !== undefined) {
      const start = Math.max(0, Math.min(filter.length, pos - offset));
      const end = Math.max(start + 1, Math.min(filter.length + 1, Number(err.extra?.end ?? pos + 1) - offset));
      return failure(`invalid filter: ${err.message}\n  ${filter}\n  ${' '.repeat(start)}${'^'.repeat(end - start)}\n${FILTER_HELP}`);
    }
    return failure(`${err.code}: ${err.message}`);
  }
  throw err;
}

/** A fresh server with every tool bound to one request's project (the endpoint is stateless). */
export function createMcpServer(env: Env, auth: AuthContext): McpServer {
  const server = new McpServer(
    { name: 'loupe', version: '0.1.0' },
    {
      instructions:
        'Loupe holds traces of an AI agent in production, with feedback and scores. To find failures: search_traces with a filter such as `feedback.outcome=0 since:7d`, read the worst few with get_trace, group what went wrong, then record each finding with add_feedback. list_feedback_keys shows which feedback.<key> names exist.',
    },
  );
  const projectId = auth.projectId;

  server.registerTool(
    'search_traces',
    {
      title: 'Search traces',
      description: `Find traces (one per agent run) matching a filter, newest first by default. Answers a markdown table: trace id, start, status, span count, latency, tokens, feedback summary (key=average score) and the start of the input, plus a cursor when more match. At most ${MCP_MAX_PAGE} traces per call; pass the cursor back for more. ${FILTER_HELP}`,
      inputSchema: {
        filter: filterArg,
        since,
        limit: z.number().int().min(1).max(MCP_MAX_PAGE).default(20).describe(`Traces to return, 1-${MCP_MAX_PAGE} (default 20).`),
        sort: z.enum(Object.keys(TRACE_SORTS) as [TraceSort, ...TraceSort[]]).default('start_time').describe('Order by start_time (default), latency, tokens, cost or spans.'),
        order: z.enum(['desc', 'asc']).default('desc'),
        cursor: z.string().max(1000).optional().describe('The cursor a previous call returned, for the next page.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const { q, offset } = withSince(args.filter, args.since);
      try {
        const page = await listTraces(env, projectId, { q, limit: args.limit, sort: args.sort, order: args.order, cursor: args.cursor });
        if (!page.traces.length) return text(`No traces match${q ? ` \`${q}\`` : ''}.`);
        const more = page.next_cursor ? `\n\n${page.traces.length} traces shown; more match: call again with cursor="${page.next_cursor}".` : `\n\n${page.traces.length} traces.`;
        return text(tracesTable(page.traces) + more);
      } catch (err) {
        return toolError(err, args.filter, offset);
      }
    },
  );

  server.registerTool(
    'get_trace',
    {
      title: 'Read a trace',
      description: `One trace as a compact markdown trajectory: the span tree with kinds, each LLM step's new messages, each tool call with arguments and result, errors, feedback and scores. Values over 600 characters are cut with a marker (…[+N chars]); a step with cuts names the span_id to ask for with full=true. The whole answer stays within max_tokens (default ${DEFAULT_TRACE_TOKENS}, at most ${MAX_TRACE_TOKENS}; estimated as characters ÷ 4): long trajectories fold their middle steps, keeping failed ones.`,
      inputSchema: {
        trace_id: z.string().min(1).max(128).describe('The trace id (from search_traces).'),
        span_id: z.string().min(1).max(128).optional().describe('Only this span and its descendants.'),
        full: z.boolean().default(false).describe('Show values whole instead of cutting them at 600 characters (still within max_tokens).'),
        max_tokens: z.number().int().min(100).max(MAX_TRACE_TOKENS).default(DEFAULT_TRACE_TOKENS).describe(`Token budget for the answer (characters ÷ 4), 100-${MAX_TRACE_TOKENS}.`),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const tree = await getTrace(env, projectId, args.trace_id);
        if (args.span_id && !tree.spans.some((s) => s.id === args.span_id)) return failure(`not_found: span '${args.span_id}' is not in trace '${args.trace_id}'`);
        return text(
          renderTrace(tree, {
            spanId: args.span_id,
            full: args.full,
            maxTokens: args.max_tokens,
            spanRef: (id) => `get_trace span_id="${id}" full=true`,
            expandHint: (id) => `Call get_trace with trace_id="${id}", a span_id and full=true to see one span whole, or a larger max_tokens`,
          }),
        );
      } catch (err) {
        return toolError(err);
      }
    },
  );

  server.registerTool(
    'list_spans',
    {
      title: 'Search spans',
      description: `Find single spans (LLM calls, tool calls, ...) across traces, newest first: e.g. every failing call of one tool with \`kind=tool name=book_reservation status=error\`. Answers a markdown table with span and trace ids, kind, name, status, latency and input/output previews (300 characters; get_trace shows a span whole). At most ${MCP_MAX_PAGE} spans per call. The filter applies to each span (has() is not allowed here). ${FILTER_HELP}`,
      inputSchema: {
        filter: filterArg,
        since,
        limit: z.number().int().min(1).max(MCP_MAX_PAGE).default(20).describe(`Spans to return, 1-${MCP_MAX_PAGE} (default 20).`),
        cursor: z.string().max(1000).optional().describe('The cursor a previous call returned, for the next page.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const { q, offset } = withSince(args.filter, args.since);
      try {
        const page = await listSpans(env, projectId, { q, limit: args.limit, cursor: args.cursor });
        if (!page.spans.length) return text(`No spans match${q ? ` \`${q}\`` : ''}.`);
        const more = page.next_cursor ? `\n\n${page.spans.length} spans shown; more match: call again with cursor="${page.next_cursor}".` : `\n\n${page.spans.length} spans.`;
        return text(spansTable(page.spans) + more);
      } catch (err) {
        return toolError(err, args.filter, offset);
      }
    },
  );

  server.registerTool(
    'list_feedback_keys',
    {
      title: 'List feedback keys',
      description: 'Every feedback key used in this project (end-user thumbs, evaluator scores, reviewer labels) with how often it was given, its average score and who gave it: the names that filters accept as feedback.<key> or score.<key>. At most 500 keys.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => text(feedbackKeysTable({ keys: await feedbackKeys(env, projectId) })),
  );

  server.registerTool(
    'add_feedback',
    {
      title: 'Add feedback',
      description:
        "Record a finding on a trace (or one of its spans): a numeric score (e.g. thumbs 0/1, a 0-1 rating), a categorical value (e.g. failure=\"wrong_cabin\"), a comment and/or a correction (the output it should have given). Give at least one of score, value, comment, correction. Adding the same feedback twice stores it once; pass an id to update your earlier row. Needs an API key with the 'ingest' scope.",
      inputSchema: {
        trace_id: z.string().min(1).max(128),
        key: FeedbackKey.describe('A short name: letters, digits, _ . : - (e.g. failure_mode, thumbs, helpfulness).'),
        score: z.number().optional().describe('A numeric score; filters compare it as feedback.<key>=0, score.<key><0.5.'),
        value: z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional().describe('A category or label (any JSON).'),
        comment: z.string().max(65536).optional().describe('What went wrong or right, in words.'),
        correction: z.unknown().optional().describe('The output the agent should have given.'),
        span_id: z.string().min(1).max(128).optional().describe('Attach to this span instead of the whole trace.'),
        id: z.string().min(1).max(128).optional().describe('Your id for this feedback; adding again with the same id updates it.'),
        author: z.string().max(256).optional().describe('Who gives it (e.g. the agent or person).'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      if (!hasScope(auth, 'ingest')) return failure("forbidden: this API key lacks the 'ingest' scope that add_feedback needs; use a key with ingest (or admin) scope");
      const parsed = FeedbackIn.safeParse({ ...args, source: 'api' });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return failure(`invalid_request: ${issue.path.join('.') || 'feedback'}: ${issue.message}`);
      }
      try {
        return text(feedbackSentence(await upsertFeedback(env, projectId, parsed.data)));
      } catch (err) {
        return toolError(err);
      }
    },
  );

  registerDatasetTools(server, env, auth);

  // Links are relative to the Loupe origin (the MCP server does not know the URL it is reached on).
  registerExperimentTools(server, env, auth, '');
  registerCalibrationTools(server, env, auth);
  registerInsightsTools(server, env, auth);
  registerStatsTools(server, env, auth);
  return server;
}
