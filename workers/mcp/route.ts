/**
 * POST /mcp: the Model Context Protocol over Streamable HTTP, for coding agents (Claude
 * Code, Cursor, any MCP client). Authenticated by a project API key like the rest of the
 * API (`read`; add_feedback also needs `ingest`).
 *
 * Stateless: every request gets a fresh server and transport, so any Worker isolate can
 * answer any request and nothing must survive between them. The SDK's web-standard
 * transport works on Request/Response (no Node streams), and JSON responses (no SSE)
 * suit tools that answer at once. GET (a server-to-client stream) and DELETE (ending a
 * session) mean nothing without sessions: 405, as the transport spec allows.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { createMcpServer } from './tools.ts';

export const mcpRoutes = newRouter();

mcpRoutes.use('/mcp', requireAuth('read'));

mcpRoutes.post('/mcp', async (c) => {
  const server = createMcpServer(c.env, c.get('auth'));
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  const response = await transport.handleRequest(c.req.raw);
  // Every reply is a complete JSON body: the per-request server can go once it is sent.
  c.executionCtx.waitUntil(server.close());
  return response;
});

mcpRoutes.on(['GET', 'DELETE'], '/mcp', (c) =>
  c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC requests with POST' }, id: null }, 405, { allow: 'POST' }),
);
