import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';

export interface McpTestClientOptions {
  /** The MCP endpoint's path on the app. Default: the module's `path` (`/mcp` unless configured). */
  path?: string;
  /** The client's name in `initialize`. Default `mcp-test-client`. */
  name?: string;
  /**
   * Plays the user when a tool asks (`ctx.elicit()`, `ctx.elicitUrl()`): the client declares
   * elicitation (forms and URLs) and answers each question with what this returns. Default: the
   * client declares no elicitation, so a tool that asks answers with a tool error saying so.
   *
   * @example
   * ```ts
   * const client = await connectMcpClient(app, token, { elicitation: () => ({ action: 'accept', content: { confirm: true } }) });
   * ```
   */
  elicitation?: (params: ElicitRequest['params']) => ElicitResult | Promise<ElicitResult>;
}

/**
 * An MCP SDK client connected (initialize done) to a Nest application, or to an
 * endpoint URL, sending `token` as its bearer token. An application that is not
 * listening yet (only `init()`ed, as `Test.createTestingModule` apps usually are) is
 * started on an ephemeral loopback port first. Close the client with `client.close()`.
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
    typeof target === 'string' || target instanceof URL
      ? new URL(target)
      : new URL(options.path ?? endpointPathOf(target), await listeningUrl(target));
  const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const answer = options.elicitation;
  const client = new Client(
    { name: options.name ?? 'mcp-test-client', version: '1.0.0' },
    answer ? { capabilities: { elicitation: { form: {}, url: {} } } } : {},
  );
  if (answer) client.setRequestHandler(ElicitRequestSchema, (request) => answer(request.params));
  await client.connect(transport);
  return client;
}

/** Where the app listens, as a loopback URL a client can reach; listens on an ephemeral port first if need be. */
async function listeningUrl(app: INestApplication): Promise<string> {
  const server = typeof app.getHttpServer === 'function' ? (app.getHttpServer() as Server | undefined) : undefined;
  if (!server || typeof server.address !== 'function') {
    throw new Error(
      'connectMcpClient: the application has no HTTP server. Create it with NestFactory.create() or ' +
        'moduleRef.createNestApplication() (not createApplicationContext()), then call await app.listen(0).',
    );
  }
  if (!server.listening) {
    try {
      await app.listen(0, '127.0.0.1');
    } catch (cause) {
      throw new Error(
        'connectMcpClient: the application is not listening and could not be started on an ephemeral port; ' +
          'call await app.listen(0) before connectMcpClient(app, token).',
        { cause },
      );
    }
  }
  // Nest reports `[::1]` for `::`; an unspecified address is reached through loopback.
  const url = new URL(await app.getUrl());
  if (url.hostname === '[::]' || url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  return url.toString();
}

/** The path McpAuthModule serves, when the application imports it. */
function endpointPathOf(app: INestApplication): string {
  try {
    return app.get<ResolvedMcpAuthOptions>(MCP_AUTH_RESOLVED_OPTIONS, { strict: false }).path;
  } catch {
    return '/mcp';
  }
}
