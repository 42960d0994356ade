import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { DpopSession, Client as ModernClient } from '@modelcontextprotocol/client';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';

export interface McpTestClientOptions {
  /** The MCP endpoint's path on the app. Default: the module's `path` (`/mcp` unless configured). */
  path?: string;
  /** The client's name (in `initialize`, or in each 2026-07-28 request's `_meta`). Default `mcp-test-client`. */
  name?: string;
  /**
   * Plays the user when a tool asks (`ctx.elicit()`, `ctx.elicitUrl()`): the client declares
   * elicitation (forms and URLs) and answers each question with what this returns, on both
   * helpers (on 2026-07-28 the v2 client answers the `input_required` round and calls again itself).
   * Default: the client declares no elicitation, so a tool that asks answers with a tool error saying
   * so (2025 revisions), or the call is refused with `-32021` naming the capability (2026-07-28).
   *
   * @example
   * ```ts
   * const client = await connectMcpClient(app, token, { elicitation: () => ({ action: 'accept', content: { confirm: true } }) });
   * ```
   */
  elicitation?: (params: ElicitRequest['params']) => ElicitResult | Promise<ElicitResult>;
}

/** {@link McpTestClientOptions}, and what only the v2 client on revision 2026-07-28 can do. */
export interface McpModernTestClientOptions extends McpTestClientOptions {
  /**
   * Presents `token` as a DPoP-bound token (RFC 9449): `Authorization: DPoP <token>` and a fresh proof signed
   * with this session's key on every request, a `use_dpop_nonce` challenge retried with the server's nonce (the
   * v2 SDK's `withDpop`). Bind the token to the key (`cnf.jkt` = `dpop.thumbprint`), and let the application
   * accept DPoP (`dpop: { mode: 'allowed' }`). Proofs name the URL the client calls, which the module compares
   * with `resourceUrl`: listen on the port `resourceUrl` names.
   *
   * @example
   * ```ts
   * const dpop = await DpopSession.create(); // from '@modelcontextprotocol/client'
   * const token = await idp.token({ scope: 'User.Read', cnf: { jkt: dpop.thumbprint } });
   * const client = await connectModernMcpClient(app, token, { dpop });
   * ```
   */
  dpop?: DpopSession;
}

/** The MCP revision {@link connectModernMcpClient} pins: no `initialize`, no sessions, an envelope on every request. */
const MODERN_REVISION = '2026-07-28';

/**
 * An MCP SDK client connected (initialize done) to a Nest application, or to an
 * endpoint URL, sending `token` as its bearer token, on the 2025 revisions. An application that is not
 * listening yet (only `init()`ed, as `Test.createTestingModule` apps usually are) is
 * started on an ephemeral loopback port first. Close the client with `client.close()`.
 * The client is the v1 SDK's (`@modelcontextprotocol/sdk`, a development dependency of yours);
 * {@link connectModernMcpClient} is the same on the v2 client and revision 2026-07-28.
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
  const endpoint = await endpointOf(target, options);
  const [{ Client }, { StreamableHTTPClientTransport }, { ElicitRequestSchema }] = await loadClientPackage(
    'connectMcpClient',
    '@modelcontextprotocol/sdk',
    () =>
      Promise.all([
        import('@modelcontextprotocol/sdk/client/index.js'),
        import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
        import('@modelcontextprotocol/sdk/types.js'),
      ]),
  );
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

/**
 * The v2 SDK client (`@modelcontextprotocol/client`, a development dependency of yours) connected to a Nest
 * application, or to an endpoint URL, on MCP revision 2026-07-28: no `initialize` and no session, every request
 * carries its own envelope and `token` as its bearer token. Started like {@link connectMcpClient}; close it with
 * `client.close()`. A call the token lacks scopes for rejects with the SDK's `InsufficientScopeError`, which names
 * the scopes of the 403 challenge.
 *
 * @example
 * ```ts
 * const client = await connectModernMcpClient(app, await idp.token({ scope: 'User.Read' }));
 * const { tools } = await client.listTools();
 * ```
 */
export async function connectModernMcpClient(
  target: INestApplication | string | URL,
  token: string,
  options: McpModernTestClientOptions = {},
): Promise<ModernClient> {
  const endpoint = await endpointOf(target, options);
  const { Client, StreamableHTTPClientTransport, withDpop } = await loadClientPackage(
    'connectModernMcpClient',
    '@modelcontextprotocol/client',
    () => import('@modelcontextprotocol/client'),
  );
  const { dpop } = options;
  const transport = new StreamableHTTPClientTransport(
    endpoint,
    dpop ? { fetch: withDpop(dpop, () => token)(fetch) } : { requestInit: { headers: { authorization: `Bearer ${token}` } } },
  );
  const answer = options.elicitation;
  const client = new Client(
    { name: options.name ?? 'mcp-test-client', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: MODERN_REVISION } },
      ...(answer ? { capabilities: { elicitation: { form: {}, url: {} } } } : {}),
    },
  );
  // On 2026-07-28 a question is an input_required round: the client asks this handler, then calls again itself.
  if (answer) client.setRequestHandler('elicitation/create', (request) => answer(request.params));
  await client.connect(transport);
  return client;
}

/**
 * Loads the SDK a helper returns a client of. The testing entry point loads neither SDK before it is used, so that
 * an application testing with one of them need not install the other.
 */
async function loadClientPackage<T>(helper: string, name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    const missing = ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes(String((cause as NodeJS.ErrnoException)?.code));
    if (!missing || !String((cause as Error).message).includes(name)) throw cause;
    throw new Error(`${helper} needs the package ${name}: npm install --save-dev ${name}`, { cause });
  }
}

async function endpointOf(target: INestApplication | string | URL, options: McpTestClientOptions): Promise<URL> {
  return typeof target === 'string' || target instanceof URL
    ? new URL(target)
    : new URL(options.path ?? endpointPathOf(target), await listeningUrl(target));
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
