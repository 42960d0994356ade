import type { INestApplication } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface McpTestClientOptions {
  /** The MCP endpoint's path on the app. Default `/mcp`. */
  path?: string;
  /** The client's name in `initialize`. Default `mcp-test-client`. */
  name?: string;
}

/**
 * An MCP SDK client connected (initialize done) to a running Nest application, or to an
 * endpoint URL, sending `token` as its bearer token. Close it with `client.close()`.
 *
 * @example
 * ```ts
 * const client = await connectMcpClient(app, await idp.token({ scope: 'User.Read' }));
 * const { tools } = await client.listTools();
 * ```
 */
export async function connectMcpClient(
  target: INestApplication | string | URL,
  token: string,
  options: McpTestClientOptions = {},
): Promise<Client> {
  const endpoint =
    typeof target === 'string' || target instanceof URL ? new URL(target) : new URL(options.path ?? '/mcp', await listeningUrl(target));
  const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const client = new Client({ name: options.name ?? 'mcp-test-client', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Where the app listens, as a loopback URL a client can reach (Nest reports `[::1]` for `::`). */
async function listeningUrl(app: INestApplication): Promise<string> {
  const url = new URL(await app.getUrl());
  if (url.hostname === '[::]' || url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  return url.toString();
}
