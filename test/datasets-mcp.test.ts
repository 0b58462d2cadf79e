/** The dataset MCP tools through the official MCP client and the real Worker. */
import { describe, it, expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { api, makeKey, makeProject } from './helpers.ts';
import { makeTraces } from './review-helpers.ts';

async function connect(key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('http://loupe.test/mcp'), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
  });
  const client = new Client({ name: 'loupe-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}
const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

describe('dataset MCP tools', () => {
  it('lists datasets, adds examples from traces and reads them back', async () => {
    const p = await makeProject('ds-mcp');
    await makeTraces(p.key, ['dsm-1']);
    await api('/v1/datasets', { key: p.key, body: { name: 'mcp-set', description: 'from an agent' } });
    const client = await connect(p.key);
    expect(textOf(await client.callTool({ name: 'list_datasets', arguments: {} }))).toContain('| mcp-set |');
    expect(textOf(await client.callTool({ name: 'add_examples_from_traces', arguments: { dataset: 'mcp-set', trace_ids: ['dsm-1'] } }))).toContain('(version 1)');
    const again = textOf(await client.callTool({ name: 'add_examples_from_traces', arguments: { dataset: 'mcp-set', trace_ids: ['dsm-1', 'no-such-trace'] } }));
    expect(again).toContain('dsm-1 -> example');
    expect(again).toContain('(already in the dataset)');
    expect(again).toContain('no-such-trace: trace not found');
    const read = textOf(await client.callTool({ name: 'read_examples', arguments: { dataset: 'mcp-set' } }));
    expect(read).toContain('mcp-set at version 1: 1 examples');
    expect(read).toContain('"input":"question dsm-1"');
    const missing = (await client.callTool({ name: 'read_examples', arguments: { dataset: 'nope' } })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('not found');
    const reader = await connect(await makeKey(p.projectId, ['read']));
    const denied = (await reader.callTool({ name: 'add_examples_from_traces', arguments: { dataset: 'mcp-set', trace_ids: ['dsm-1'] } })) as CallToolResult;
    expect(denied.isError).toBe(true);
  });
});
