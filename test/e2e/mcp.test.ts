/**
 * The MCP endpoint on a real `wrangler dev` (the bundled Worker, real HTTP), reached by
 * the official MCP client the way Claude Code or another MCP client reaches it.
 */
import { describe, it, expect, inject } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

describe('the MCP endpoint on a running Loupe', () => {
  const loupe = inject('loupe');

  it('serves the demo traces to an MCP client over Streamable HTTP', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${loupe.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${loupe.apiKey}` } } });
    const client = new Client({ name: 'loupe-e2e', version: '1.0.0' });
    await client.connect(transport);
    expect(client.getServerVersion()?.name).toBe('loupe');
    expect((await client.listTools()).tools).toHaveLength(16); // 5 for traces and feedback, 3 datasets, 2 experiments, 1 agreement, 4 Insights reports, 1 stats
    const found = (await client.callTool({ name: 'search_traces', arguments: { filter: 'feedback.outcome=0 has(kind=tool name=book_reservation status=error)', limit: 100 } })) as CallToolResult;
    const text = (found.content[0] as { text: string }).text;
    expect(text).toContain('`taubench-airline-0-1`');
    const trace = (await client.callTool({ name: 'get_trace', arguments: { trace_id: 'taubench-airline-2-1', max_tokens: 2000 } })) as CallToolResult;
    const rendering = (trace.content[0] as { text: string }).text;
    expect(Math.ceil(rendering.length / 4)).toBeLessThanOrEqual(2000);
    expect(rendering).toContain('outcome = 0');
    await client.close();
  });
});
