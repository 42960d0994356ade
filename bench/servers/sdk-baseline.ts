/**
 * Baseline (a): the MCP SDK v2's documented unauthenticated server (`docs/serving/http.md`
 * in the TypeScript SDK): `createMcpHandler` with a factory that builds a fresh `McpServer`
 * with one `echo` tool per request, JSON responses (`responseMode: 'json'`), mounted on
 * plain `node:http` with `toNodeHandler` behind the documented localhost Host/Origin guards.
 * It serves both eras; the runner drives it with 2026-07-28 requests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { localhostHostValidation, localhostOriginValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { z } from 'zod';
import { reportReady } from './child-protocol.js';

const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'baseline', version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: 'Echo the message', inputSchema: z.object({ message: z.string() }) },
      async ({ message }) => ({
        content: [{ type: 'text', text: message }],
      }),
    );
    return server;
  },
  { responseMode: 'json' },
);

const nodeHandler = toNodeHandler(handler);
const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();
const listener = createServer((req, res) => {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  void nodeHandler(req, res);
}).listen(0, '127.0.0.1', () => {
  const { port } = listener.address() as AddressInfo;
  reportReady({ url: `http://127.0.0.1:${port}/mcp` });
});
