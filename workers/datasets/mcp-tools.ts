/**
 * MCP tools for datasets: list them, read a page of examples at a version, add examples
 * from traces. The same functions as /v1/datasets, scoped to the key's project; errors come
 * back as tool errors an agent can read.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ApiError } from '../platform/errors.ts';
import { hasScope, type AuthContext } from '../platform/context.ts';
import { listDatasets, listExamples, mustFindDataset, resolveVersion } from './examples.ts';
import { addTraces, traceExampleId } from './from-traces.ts';

/** An agent's context is small: at most this many examples per read. */
const MCP_MAX_EXAMPLES = 50;

const text = (body: string): CallToolResult => ({ content: [{ type: 'text', text: body }] });
const failure = (body: string): CallToolResult => ({ content: [{ type: 'text', text: body }], isError: true });

async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError) return failure(`${err.code}: ${err.message}`);
    throw err;
  }
}

export function registerDatasetTools(server: McpServer, env: Env, auth: AuthContext) {
  const projectId = auth.projectId;
  server.registerTool(
    'list_datasets',
    { title: 'List datasets', description: 'Every dataset of the project: name, id, latest version, description.', inputSchema: {}, annotations: { readOnlyHint: true, openWorldHint: false } },
    async () =>
      guarded(async () => {
        const ds = await listDatasets(env, projectId);
        if (!ds.length) return text('No datasets.');
        return text(['| name | id | latest version | description |', '|---|---|---|---|', ...ds.map((d) => `| ${d.name} | ${d.id} | ${d.latestVersion} | ${d.description.replace(/\|/g, '\\|')} |`)].join('\n'));
      }),
  );

  server.registerTool(
    'read_examples',
    {
      title: 'Read dataset examples',
      description: `A page of a dataset's examples (JSON, one per line) at a version, tag or the latest. At most ${MCP_MAX_EXAMPLES} per call; pass the returned cursor for more.`,
      inputSchema: {
        dataset: z.string().min(1).max(200).describe('Dataset name or id'),
        version: z.number().int().min(0).optional(),
        tag: z.string().max(200).optional(),
        split: z.string().max(200).optional(),
        cursor: z.string().max(100).optional(),
        limit: z.number().int().min(1).max(MCP_MAX_EXAMPLES).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded(async () => {
        const d = await mustFindDataset(env, projectId, args.dataset);
        const version = await resolveVersion(env, projectId, d.id, { version: args.version, tag: args.tag });
        const page = await listExamples(env, projectId, d.id, { version, splits: args.split ? [args.split] : undefined, cursor: args.cursor, limit: args.limit ?? 20 });
        const lines = page.examples.map((e) => JSON.stringify({ id: e.id, inputs: e.inputs, outputs: e.outputs, criteria: e.criteria, expected_trajectory: e.expected_trajectory, tags: e.tags, splits: e.splits }));
        return text(`${d.name} at version ${version}: ${page.examples.length} examples${page.next ? ` (more: cursor=${page.next})` : ''}\n${lines.join('\n')}`);
      }),
  );

  server.registerTool(
    'add_examples_from_traces',
    {
      title: 'Add examples from traces',
      description: "Copies each trace's root span input and output into the dataset as an example, all in one version. A trace already in the dataset is left as it is, so calling again is harmless. Needs the 'ingest' scope.",
      inputSchema: { dataset: z.string().min(1).max(200), trace_ids: z.array(z.string().min(1).max(128)).min(1).max(100) },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded(async () => {
        if (!hasScope(auth, 'ingest')) return failure("forbidden: this API key lacks the 'ingest' scope that add_examples_from_traces needs");
        const d = await mustFindDataset(env, projectId, args.dataset);
        const r = await addTraces(env, projectId, d.id, args.trace_ids, { message: `added ${args.trace_ids.length} traces (MCP)` });
        const added = new Set(r.added);
        const skipped = new Set(r.skipped);
        const out: string[] = [];
        for (const id of args.trace_ids) {
          const ex = await traceExampleId(d.id, id);
          out.push(added.has(ex) ? `${id} -> example ${ex} (version ${r.version})` : skipped.has(ex) ? `${id} -> example ${ex} (already in the dataset)` : `${id}: trace not found`);
        }
        return text(out.join('\n'));
      }),
  );
}
