/**
 * Baseline (a): the MCP SDK's documented stateless Streamable HTTP server
 * (`simpleStatelessStreamableHttp` in @modelcontextprotocol/sdk 1.32): a new `McpServer`
 * and transport per request, no authentication, JSON responses, one `echo` tool.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { z } from 'zod';
import { reportReady } from './child-protocol.js';

const getServer = () => {
  const server = new McpServer({ name: 'stateless-baseline', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo the message', inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  return server;
};

const app = createMcpExpressApp();
app.post('/mcp', async (req, res) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
  } catch {
    if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
  }
});

const listener = app.listen(0, '127.0.0.1', () => {
  const { port } = listener.address() as { port: number };
  reportReady({ url: `http://127.0.0.1:${port}/mcp` });
});
