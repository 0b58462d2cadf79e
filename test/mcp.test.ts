/**
 * The MCP endpoint driven by the official MCP client (@modelcontextprotocol/sdk) over
 * Streamable HTTP, through the real Worker: list tools, call each, fail auth.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { exports } from 'cloudflare:workers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import demo from '../demo/taubench-airline.json';
import { api, makeKey, makeProject, waitForTrace } from './helpers.ts';
import { taubenchToTrace, type TauBenchItem } from '../scripts/demo/taubench.ts';

const items = demo as unknown as TauBenchItem[];
/** 0-1 (failed, with a failing book_reservation call) and 35-3 (solved). */
const INDEXES = [50, 185];

/** An MCP client connected to the Worker's /mcp with `key` (fetch goes straight to the Worker). */
async function connect(key: string | null): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('http://loupe.test/mcp'), {
    requestInit: key ? { headers: { authorization: `Bearer ${key}` } } : undefined,
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
  });
  const client = new Client({ name: 'loupe-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

describe('the MCP endpoint', () => {
  let key: string;
  let projectId: string;
  beforeAll(async () => {
    ({ key, projectId } = await makeProject('mcp'));
    for (const index of INDEXES) {
      const { spans, feedback } = taubenchToTrace(items[index], index, items.length, Date.now());
      expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
      for (const f of feedback) expect((await api('/v1/feedback', { key, body: f })).status).toBe(200);
      await waitForTrace(key, `taubench-airline-${items[index].task_id}-${items[index].trial}`, spans.length);
    }
  });

  it('lists its tools, each describing the filter language or its limits', async () => {
    const client = await connect(key);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['add_examples_from_traces', 'add_feedback', 'compare_experiments', 'evaluator_agreement', 'get_insights_patterns', 'get_insights_report', 'get_trace', 'list_datasets', 'list_experiments', 'list_feedback_keys', 'list_insights_reports', 'list_spans', 'read_examples', 'run_insights_report', 'search_traces', 'stats']);
    const search = tools.find((t) => t.name === 'search_traces')!;
    expect(search.description).toContain('feedback.outcome=0 since:7d');
    expect(search.description).toContain('At most 100 traces per call');
    expect(search.inputSchema.properties).toHaveProperty('filter');
    expect(tools.find((t) => t.name === 'get_trace')!.description).toMatch(/max_tokens \(default 8000, at most 50000/);
    await client.close();
  });

  it('search_traces finds the failed conversations with a filter', async () => {
    const client = await connect(key);
    const text = textOf(await client.callTool({ name: 'search_traces', arguments: { filter: 'feedback.outcome=0', since: '30d' } }));
    expect(text).toContain('`taubench-airline-0-1`');
    expect(text).not.toContain('taubench-airline-35-3');
    expect(text).toContain('outcome=0');
    await client.close();
  });

  it('search_traces answers a bad filter with the parse error and its position', async () => {
    const client = await connect(key);
    const result = (await client.callTool({ name: 'search_traces', arguments: { filter: 'colour=red' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("invalid filter: unknown field 'colour'\n  colour=red\n  ^^^^^^");
    await client.close();
  });

  it('get_trace renders the trajectory within the budget, with tool calls and outcome feedback', async () => {
    const client = await connect(key);
    const text = textOf(await client.callTool({ name: 'get_trace', arguments: { trace_id: 'taubench-airline-0-1' } }));
    expect(text).toContain('**[tool] book_reservation** · ERROR');
    expect(text).toContain('outcome = 0');
    expect(text).toContain('cut: get_trace span_id="taubench-airline-0-1:llm-1" full=true');
    const small = textOf(await client.callTool({ name: 'get_trace', arguments: { trace_id: 'taubench-airline-0-1', max_tokens: 600 } }));
    expect(Math.ceil(small.length / 4)).toBeLessThanOrEqual(600);
    expect(small).toContain('folded to fit the budget');
    const span = textOf(await client.callTool({ name: 'get_trace', arguments: { trace_id: 'taubench-airline-0-1', span_id: 'taubench-airline-0-1:tool-8-1', full: true } }));
    expect(span).toContain('Error: payment amount does not add up');
    expect(span).toContain('1 of 1 steps shown');
    const missing = (await client.callTool({ name: 'get_trace', arguments: { trace_id: 'nope' } })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain("trace 'nope' not found");
    await client.close();
  });

  it('list_spans finds failing tool calls across traces', async () => {
    const client = await connect(key);
    const text = textOf(await client.callTool({ name: 'list_spans', arguments: { filter: 'kind=tool status=error' } }));
    expect(text).toContain('`taubench-airline-0-1:tool-8-1`');
    expect(text).toContain('book_reservation');
    await client.close();
  });

  it('list_feedback_keys names the keys filters accept', async () => {
    const client = await connect(key);
    const text = textOf(await client.callTool({ name: 'list_feedback_keys', arguments: {} }));
    expect(text).toContain('| outcome | 2 | 0.5 | api | `feedback.outcome` |');
    await client.close();
  });

  it('add_feedback stores a finding once, visible through the API', async () => {
    const client = await connect(key);
    const args = { trace_id: 'taubench-airline-0-1', key: 'failure', value: 'payment_total', comment: 'paid 255 of 305' };
    const first = textOf(await client.callTool({ name: 'add_feedback', arguments: args }));
    expect(first).toContain('on trace taubench-airline-0-1: failure = "payment_total"');
    await client.callTool({ name: 'add_feedback', arguments: args });
    const tree = (await api('/v1/traces/taubench-airline-0-1', { key })).json;
    expect(tree.feedback.filter((f: { key: string }) => f.key === 'failure')).toHaveLength(1);
    expect(tree.feedback.find((f: { key: string }) => f.key === 'failure').comment).toBe('paid 255 of 305');
    await client.close();
  });

  it('add_feedback is refused for a read-only key, and nothing is stored', async () => {
    const readOnly = await makeKey(projectId, ['read']);
    const client = await connect(readOnly);
    const result = (await client.callTool({ name: 'add_feedback', arguments: { trace_id: 'taubench-airline-35-3', key: 'nope', score: 1 } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("lacks the 'ingest' scope");
    const tree = (await api('/v1/traces/taubench-airline-35-3', { key })).json;
    expect(tree.feedback.map((f: { key: string }) => f.key)).toEqual(['outcome']);
    await client.close();
  });

  it('stats answers figures per day by release, and the per-model table, as markdown', async () => {
    const client = await connect(key);
    const text = textOf(await client.callTool({ name: 'stats', arguments: { since: '30d', by: 'release', models: true } }));
    expect(text).toContain('Stats per day (UTC)');
    expect(text).toMatch(/^\| release \| day \| traces \| errors \| p50 \| p95 \| p99 \| tokens \| cost \| scores \| feedback \|$/m);
    const rows = [...text.matchAll(/^\| gpt-4o-airline-v1 \| \d{4}-\d{2}-\d{2} \| (\d+) \|/gm)];
    expect(rows.reduce((a, m) => a + Number(m[1]), 0)).toBe(2);
    expect(text).toContain('LLM calls per model');
    const wide = (await client.callTool({ name: 'stats', arguments: { since: '120d' } })) as CallToolResult;
    expect(wide.isError).toBe(true);
    expect(textOf(wide)).toContain('(since)');
    const other = await makeProject('mcp-stats-other');
    const elsewhere = await connect(other.key);
    expect(textOf(await elsewhere.callTool({ name: 'stats', arguments: { since: '30d', models: true } }))).toContain('No traces in this range.');
    await client.close();
    await elsewhere.close();
  });

  it('refuses a client without a key, or with an unknown key, with 401', async () => {
    await expect(connect(null)).rejects.toMatchObject({ code: 401, message: expect.stringContaining('send an API key') });
    await expect(connect('lp_not_a_real_key')).rejects.toMatchObject({ code: 401, message: expect.stringContaining('unknown or revoked') });
  });

  it('only shows the key’s own project', async () => {
    const other = await makeProject('mcp-other');
    const client = await connect(other.key);
    expect(textOf(await client.callTool({ name: 'search_traces', arguments: {} }))).toBe('No traces match.');
    const missing = (await client.callTool({ name: 'get_trace', arguments: { trace_id: 'taubench-airline-0-1' } })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(textOf(await client.callTool({ name: 'list_spans', arguments: {} }))).toBe('No spans match.');
    expect(textOf(await client.callTool({ name: 'list_feedback_keys', arguments: {} }))).toBe('No feedback yet.');
    await client.close();
  });

  it('answers GET with 405: the endpoint is stateless and has no server-to-client stream', async () => {
    const res = await api('/mcp', { key, method: 'GET' });
    expect(res.status).toBe(405);
  });
});
