import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { isAbsolute, relative } from 'node:path';
import { Logger } from '@nestjs/common';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, issuersOf } from './app.module.js';
import { ExampleConfigError, loadExampleConfig } from './config/example-config.js';
import { ExampleConsoleLogger } from './logging/example-console-logger.js';
import { StartupWarnings } from './logging/startup-warnings.js';
import type { ExampleConfig } from './config/example-config.js';
import type { DevIdentityProvider } from './dev-identity-provider/dev-identity-provider.js';
import { startInventoryApi } from './inventory/inventory-api.js';
import type { InventoryApi } from './inventory/inventory-api.js';
import type { ExampleDownstreamClient } from './app.module.js';

/** Set by scripts/node22.mjs when the `node` that started it was too old and it used the Node.js 22 npm installed. */
const NODE22_FALLBACK_DIR = 'NODE22_FALLBACK_DIR';

/** The name the banner suggests clients list the server under (the MCP server announces the same, in app.module.ts). */
const EXAMPLE_SERVER_NAME = 'product-catalog';

/** Starts the example server; returns a function that stops it. `banner: false` skips the embedded provider's connection banner. */
export async function bootstrap(
  env: NodeJS.ProcessEnv = process.env,
  { banner = true }: { banner?: boolean } = {},
): Promise<{ url: string; issuer?: string; inventory?: InventoryApi; app: INestApplication; close(): Promise<void> }> {
  let config = loadExampleConfig(env);
  // API keys and shared secrets need no identity provider; the others get the embedded one unless one is configured.
  const needsIdp = config.mode === 'jwks' || config.mode === 'introspection';
  const embedded = needsIdp && config.idp === 'oidc' && !config.issuer;
  // The inventory API (a second resource server, for the stock_level tool) listens first: the embedded provider names it as a token exchange target.
  const inventoryApi =
    (embedded && config.mode === 'jwks') || config.downstream.clientSecret
      ? await startInventoryApi({
          requiredScope: config.downstream.inventoryScopes[0].replace(/^.*\//, ''),
          port: config.downstream.inventoryPort,
        })
      : undefined;
  const devIdp = embedded
    ? await startEmbeddedIdentityProvider(config, inventoryApi?.url).catch(async (error: unknown) => {
        await inventoryApi?.close();
        throw error;
      })
    : undefined;
  const introspectionClient =
    config.mode !== 'introspection'
      ? undefined
      : devIdp
        ? (await import('./dev-identity-provider/demo-clients.js')).DEV_RESOURCE_SERVER
        : { clientId: config.introspection!.clientId!, clientSecret: config.introspection!.clientSecret! };
  try {
    // The embedded provider is one process: its downstream tokens kept in Redis are sealed with a key of its own unless one is given.
    if (devIdp && inventoryApi && config.redisUrl && !config.downstream.cacheKey) {
      config = { ...config, downstream: { ...config.downstream, cacheKey: randomBytes(32).toString('base64') } };
    }
    const downstream = await downstreamClientOf(config, devIdp);
    const issuers = issuersOf(config, devIdp?.issuer, introspectionClient, inventoryApi && downstream);
    const inventory = inventoryApi && (await trustInventory(config, inventoryApi, issuers, devIdp));
    const issuer = issuers.length > 0 ? [issuers[0].authorizationServers ?? issuers[0].issuer].flat()[0] : undefined;
    // Nest stays silent until startup succeeded, so a bad configuration prints one line, not a stack trace;
    // the warnings of a successful startup (scope snapshot drift, for one) are printed once it listens.
    const startupLog = new StartupWarnings();
    // Known users are required by default only where the example knows them: the embedded provider's demo users.
    const requireKnownUsers = config.requireKnownUsers ?? devIdp !== undefined;
    const app = await createApp(config, AppModule.register({ ...config, requireKnownUsers }, issuers, inventory), startupLog);
    app.enableShutdownHooks();
    keepIdleConnectionsLonger(app);
    await listenOn(app, config);
    // Colours only on a terminal: escape codes do not belong in log files, and colouring
    // costs ConsoleLogger about 5 µs per line (every allowed call writes an audit line); the date prefix is
    // formatted once per second (ExampleConsoleLogger), not once per line.
    app.useLogger(
      new ExampleConsoleLogger({ logLevels: config.logLevels, colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }),
    );
    startupLog.replay();
    const address = app.getHttpServer().address() as { port: number };
    // The listening address is not a URL to connect to (behind a proxy, or on 0.0.0.0, it is not
    // what clients use): only the resource URL is printed as one.
    new Logger('Example').log(
      `Listening on ${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}; MCP endpoint ${config.resourceUrl} (mode ${config.mode}, platform ${config.platform}${issuer ? `, issuer ${issuer}` : ''})`,
    );
    if (devIdp && banner) await printDevInstructions(config, devIdp);
    return {
      url: `http://${config.host}:${address.port}`,
      issuer,
      inventory: inventoryApi,
      app,
      close: async () => {
        await app.close();
        await devIdp?.close();
        await inventoryApi?.close();
      },
    };
  } catch (error) {
    await devIdp?.close();
    await inventoryApi?.close();
    throw error;
  }
}

/** This server's client for token exchange: the embedded provider's, or MCP_DOWNSTREAM_CLIENT_ID/SECRET with your own issuer. */
async function downstreamClientOf(config: ExampleConfig, devIdp?: DevIdentityProvider): Promise<ExampleDownstreamClient | undefined> {
  if (devIdp) return (await import('./dev-identity-provider/demo-clients.js')).DEV_TOKEN_EXCHANGE_CLIENT;
  const { clientId, clientSecret } = config.downstream;
  return clientSecret ? { ...(clientId ? { clientId } : {}), clientSecret } : undefined;
}

/** The inventory API accepts the issuer's tokens for itself; the tool asks for that audience. */
async function trustInventory(
  config: ExampleConfig,
  api: InventoryApi,
  issuers: { issuer: string | string[]; jwksUri?: string }[],
  devIdp?: DevIdentityProvider,
): Promise<{ url: string; audience: string; scopes: string[] }> {
  const audiences = devIdp ? [api.url] : config.downstream.inventoryAudiences!;
  api.trust({ issuers: [issuers[0].issuer].flat(), jwksUri: issuers[0].jwksUri, audiences });
  return { url: api.url, audience: audiences[0], scopes: config.downstream.inventoryScopes };
}

/**
 * The Nest application on the platform of MCP_EXAMPLE_PLATFORM; the other platform's
 * packages are never loaded. The MCP endpoint reads its own body (size limit, JSON-RPC
 * parse errors) on either: on Express Nest's body parser is turned off for it, on
 * Fastify the module leaves its routes' bodies unparsed itself, so the application's
 * other routes keep Fastify's JSON parsing.
 */
async function createApp(config: ExampleConfig, module: DynamicModule, logger: StartupWarnings): Promise<INestApplication> {
  // forceCloseConnections: once the module's shutdown let the calls in flight finish (shutdownTimeoutMs), Nest
  // destroys the connections still open. Without it Node's server.close() waits for every connection that carries
  // no finished request, and one that never sends a request (a client's spare, or a hostile one) is never idle.
  const options = { abortOnError: false, logger, forceCloseConnections: true };
  if (config.platform === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    // Fastify sends no X-Powered-By; its trustProxy option is Express's `trust proxy` (client addresses for per-IP limits).
    // Its requestTimeout defaults to 0 (none): a request still arriving this long after it began is cut off by Node,
    // whatever route it is for. Above the MCP endpoint's own bodyTimeoutMs (30 s by default), which answers first.
    const requestTimeout = Math.max(60_000, 2 * (config.limits.bodyTimeoutMs ?? 30_000));
    return NestFactory.create(module, new FastifyAdapter({ requestTimeout }), options);
  }
  const app = await NestFactory.create(module, { ...options, bodyParser: false });
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by'); // no framework banner on any answer
  return app;
}

/**
 * Keeps an idle keep-alive connection open for 65 s (Node's default is 5 s). A client reuses a connection until
 * its own idle limit (undici, Node's `fetch`: 4 s; a load balancer: often 60 s); when the server's limit is the
 * shorter one, a request sent as the server closes the connection is lost ("other side closed", a 502 at the
 * balancer). Above both, the client is always the one that closes. `forceCloseConnections` still ends them at
 * shutdown.
 */
function keepIdleConnectionsLonger(app: INestApplication): void {
  const server = app.getHttpServer() as { keepAliveTimeout: number };
  server.keepAliveTimeout = Math.max(server.keepAliveTimeout, 65_000); // Fastify's default is 72 s already
}

/** The newcomer's first run: a real OpenID provider on loopback, issuing tokens for the demo roles. */
async function startEmbeddedIdentityProvider(config: ExampleConfig, inventoryUrl?: string): Promise<DevIdentityProvider> {
  const [
    { startDevIdentityProvider, DevIdentityProviderPortInUse },
    { DEMO_CLIENTS, DEMO_USERS, DEV_RESOURCE_SERVER, DEV_TOKEN_EXCHANGE_CLIENT, INSPECTOR_CLI_CLIENT, INVENTORY_SCOPES },
  ] = await Promise.all([import('./dev-identity-provider/dev-identity-provider.js'), import('./dev-identity-provider/demo-clients.js')]);
  const opaque = config.mode === 'introspection';
  return startDevIdentityProvider({
    resourceUrl: config.resourceUrl,
    port: config.idpPort,
    signingKeyFile: config.idpKeyFile,
    storeFile: config.idpDatabasePath,
    clients: DEMO_CLIENTS,
    users: DEMO_USERS,
    publicClients: [INSPECTOR_CLI_CLIENT],
    accessTokenFormat: opaque ? 'opaque' : 'jwt',
    resourceServers: opaque ? [DEV_RESOURCE_SERVER] : [],
    ...(inventoryUrl ? { tokenExchange: { clients: [DEV_TOKEN_EXCHANGE_CLIENT], targets: { [inventoryUrl]: INVENTORY_SCOPES } } } : {}),
  }).catch(async (error: unknown) => {
    if (!(error instanceof DevIdentityProviderPortInUse)) throw error;
    // Both ports taken: most likely the example already runs there, which is what the user needs to hear.
    if (await portInUse(config.host, config.port)) throw new ExampleConfigError(alreadyRunning(config, error.port));
    throw new ExampleConfigError(
      `The development identity provider cannot listen on port ${error.port}: it is in use (another run of the example?). ` +
        `Its port is PORT+1 unless MCP_EXAMPLE_IDP_PORT says otherwise: set MCP_EXAMPLE_IDP_PORT to a free port ` +
        `(or 0 for any free port, after which clients log in again whenever the example restarts).`,
    );
  });
}

/**
 * `app.listen` on PORT and HOST; a port in use is a one-line configuration error, not Node's `EADDRINUSE`, and the
 * application (started, not listening) is closed.
 */
async function listenOn(app: INestApplication, config: ExampleConfig): Promise<void> {
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new ExampleConfigError(
      `Port ${config.port} on ${config.host} is in use (another run of the example, or another server): stop it, or set PORT to a free port.`,
    );
  }
}

/** The example's own port and its provider's are both taken: another run of it, most likely. */
function alreadyRunning(config: ExampleConfig, idpPort: number): string {
  return (
    `Port ${config.port} and its development identity provider's port ${idpPort} are both in use: the example probably runs there ` +
    `already (another npm start?). Stop it, or set PORT to a free port (the provider takes PORT+1).`
  );
}

/** Whether something listens on `host`:`port` already (a bind attempt that is let go at once). */
function portInUse(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}

async function printDevInstructions(config: ExampleConfig, idp: DevIdentityProvider): Promise<void> {
  const [{ connectionBanner }, { DEMO_USERS, INSPECTOR_CLI_CLIENT }] = await Promise.all([
    import('./dev-identity-provider/connection-banner.js'),
    import('./dev-identity-provider/demo-clients.js'),
  ]);
  // Paths as the user would type them, from where they started the example.
  const shown = (path: string) => (path === ':memory:' || !isAbsolute(path) ? path : relative(process.cwd(), path) || path);
  console.log(
    connectionBanner({
      resourceUrl: config.resourceUrl,
      serverName: EXAMPLE_SERVER_NAME,
      stateless: config.stateless,
      listing: config.listing,
      idp: {
        ...idp,
        users: DEMO_USERS,
        keyFile: shown(config.idpKeyFile),
        databasePath: shown(config.idpDatabasePath),
        inspectorCliClientId: INSPECTOR_CLI_CLIENT.clientId,
      },
      node22BinDir: process.env[NODE22_FALLBACK_DIR],
    }),
  );
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  bootstrap().catch((error: unknown) => {
    console.error(`Startup failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
