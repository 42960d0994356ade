import 'reflect-metadata';
import { isAbsolute, relative } from 'node:path';
import { Logger } from '@nestjs/common';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, issuersOf } from './app.module.js';
import { ExampleConfigError, loadExampleConfig } from './config/example-config.js';
import { ExampleConsoleLogger } from './logging/example-console-logger.js';
import type { ExampleConfig } from './config/example-config.js';
import type { DevIdentityProvider } from './dev-identity-provider/dev-identity-provider.js';

/** Set by scripts/node22.mjs when the `node` that started it was too old and it used the Node.js 22 npm installed. */
const NODE22_FALLBACK_DIR = 'NODE22_FALLBACK_DIR';

/** The name the banner suggests clients list the server under (the MCP server announces the same, in app.module.ts). */
const EXAMPLE_SERVER_NAME = 'product-catalog';

/** Starts the example server; returns a function that stops it. */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; issuer?: string; close(): Promise<void> }> {
  const config = loadExampleConfig(env);
  // API keys and shared secrets need no identity provider; the others get the embedded one unless one is configured.
  const needsIdp = config.mode === 'jwks' || config.mode === 'introspection';
  const devIdp = needsIdp && config.idp === 'oidc' && !config.issuer ? await startEmbeddedIdentityProvider(config) : undefined;
  const introspectionClient =
    config.mode !== 'introspection'
      ? undefined
      : devIdp
        ? (await import('./dev-identity-provider/demo-clients.js')).DEV_RESOURCE_SERVER
        : { clientId: config.introspection!.clientId!, clientSecret: config.introspection!.clientSecret! };
  try {
    const issuers = issuersOf(config, devIdp?.issuer, introspectionClient);
    const issuer = issuers.length > 0 ? [issuers[0].authorizationServers ?? issuers[0].issuer].flat()[0] : undefined;
    // Nest stays silent until startup succeeded, so a bad configuration prints one line, not a stack trace.
    // Known users are required by default only where the example knows them: the embedded provider's demo users.
    const requireKnownUsers = config.requireKnownUsers ?? devIdp !== undefined;
    const app = await createApp(config, AppModule.register({ ...config, requireKnownUsers }, issuers));
    app.enableShutdownHooks();
    await app.listen(config.port, config.host);
    // Colours only on a terminal: escape codes do not belong in log files, and colouring
    // costs ConsoleLogger about 5 µs per line (every allowed call writes an audit line); the date prefix is
    // formatted once per second (ExampleConsoleLogger), not once per line.
    app.useLogger(
      new ExampleConsoleLogger({ logLevels: config.logLevels, colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }),
    );
    const address = app.getHttpServer().address() as { port: number };
    // The listening address is not a URL to connect to (behind a proxy, or on 0.0.0.0, it is not
    // what clients use): only the resource URL is printed as one.
    new Logger('Example').log(
      `Listening on ${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}; MCP endpoint ${config.resourceUrl} (mode ${config.mode}, platform ${config.platform}${issuer ? `, issuer ${issuer}` : ''})`,
    );
    if (devIdp) await printDevInstructions(config, devIdp);
    return {
      url: `http://${config.host}:${address.port}`,
      issuer,
      close: async () => {
        await app.close();
        await devIdp?.close();
      },
    };
  } catch (error) {
    await devIdp?.close();
    throw error;
  }
}

/**
 * The Nest application on the platform of MCP_EXAMPLE_PLATFORM; the other platform's
 * packages are never loaded. The MCP endpoint reads its own body (size limit, JSON-RPC
 * parse errors) on either: on Express Nest's body parser is turned off for it, on
 * Fastify the module leaves its routes' bodies unparsed itself, so the application's
 * other routes keep Fastify's JSON parsing.
 */
async function createApp(config: ExampleConfig, module: DynamicModule): Promise<INestApplication> {
  const options = { abortOnError: false, logger: false as const };
  if (config.platform === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    // Fastify sends no X-Powered-By; its trustProxy option is Express's `trust proxy` (client addresses for per-IP limits).
    return NestFactory.create(module, new FastifyAdapter(), options);
  }
  const app = await NestFactory.create(module, { ...options, bodyParser: false });
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by'); // no framework banner on any answer
  return app;
}

/** The newcomer's first run: a real OpenID provider on loopback, issuing tokens for the demo roles. */
async function startEmbeddedIdentityProvider(config: ExampleConfig): Promise<DevIdentityProvider> {
  const [
    { startDevIdentityProvider, DevIdentityProviderPortInUse },
    { DEMO_CLIENTS, DEMO_USERS, DEV_RESOURCE_SERVER, INSPECTOR_CLI_CLIENT },
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
  }).catch((error: unknown) => {
    if (!(error instanceof DevIdentityProviderPortInUse)) throw error;
    throw new ExampleConfigError(
      `The development identity provider cannot listen on port ${error.port}: it is in use (another run of the example?). ` +
        `Its port is PORT+1 unless MCP_EXAMPLE_IDP_PORT says otherwise: set MCP_EXAMPLE_IDP_PORT to a free port ` +
        `(or 0 for any free port, after which clients log in again whenever the example restarts).`,
    );
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
