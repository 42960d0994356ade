import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, issuersOf } from './app.module.js';
import { loadExampleConfig } from './config/example-config.js';
import type { ExampleConfig } from './config/example-config.js';
import type { DevIdentityProvider } from './dev-identity-provider/dev-identity-provider.js';

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
    // The MCP endpoint reads its own body (size limit, JSON-RPC parse errors), hence bodyParser: false.
    // Known users are required by default only where the example knows them: the embedded provider's demo users.
    const requireKnownUsers = config.requireKnownUsers ?? devIdp !== undefined;
    const app = await NestFactory.create(AppModule.register({ ...config, requireKnownUsers }, issuers), {
      bodyParser: false,
      abortOnError: false,
      logger: false,
    });
    app.enableShutdownHooks();
    (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by'); // no framework banner on any answer
    await app.listen(config.port, config.host);
    // Colours only on a terminal: escape codes do not belong in log files, and colouring
    // costs ConsoleLogger about 5 µs per line (every allowed call writes an audit line).
    app.useLogger(new ConsoleLogger({ logLevels: config.logLevels, colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
    const address = app.getHttpServer().address() as { port: number };
    new Logger('Example').log(
      `MCP server listening on http://${config.host}:${address.port}${new URL(config.resourceUrl).pathname} (resource ${config.resourceUrl}, mode ${config.mode}${issuer ? `, issuer ${issuer}` : ''})`,
    );
    if (devIdp) printDevInstructions(config, devIdp);
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

/** The newcomer's first run: a real OpenID provider on loopback, issuing tokens for the demo roles. */
async function startEmbeddedIdentityProvider(config: ExampleConfig): Promise<DevIdentityProvider> {
  const [{ startDevIdentityProvider }, { DEMO_CLIENTS, DEV_RESOURCE_SERVER }] = await Promise.all([
    import('./dev-identity-provider/dev-identity-provider.js'),
    import('./dev-identity-provider/demo-clients.js'),
  ]);
  const opaque = config.mode === 'introspection';
  return startDevIdentityProvider({
    resourceUrl: config.resourceUrl,
    clients: DEMO_CLIENTS,
    accessTokenFormat: opaque ? 'opaque' : 'jwt',
    resourceServers: opaque ? [DEV_RESOURCE_SERVER] : [],
  });
}

function printDevInstructions(config: ExampleConfig, idp: DevIdentityProvider): void {
  const url = config.resourceUrl;
  const tokenCommand = (clientId: string, secret: string, scopes: readonly string[]) =>
    `curl -s -u ${clientId}:${secret} -d grant_type=client_credentials -d 'scope=${scopes.join(' ')}' -d resource=${url} ${idp.tokenEndpoint}`;
  const mcpHeaders = `-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25'`;
  const lines = [
    '',
    `MCP endpoint:        ${url}`,
    `Development issuer:  ${idp.issuer}  (embedded oidc-provider, keys in memory; set MCP_AUTH_ISSUER to use your own)`,
    '',
    'Demo roles: demo-reader (User.Read), demo-writer (+ User.Write), demo-admin (+ Admin.Write). Get a token:',
    ...idp.clients.map((client) => `  ${tokenCommand(client.clientId, client.clientSecret, client.scopes)}`),
    '',
    'Call a tool as the admin:',
    `  TOKEN=$(${tokenCommand('demo-admin', 'demo-admin-secret', ['User.Read', 'User.Write', 'Admin.Write'])} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
  ];
  if (config.stateless) {
    lines.push(
      `  curl -s ${url} ${mcpHeaders} -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'`,
    );
  } else {
    lines.push(
      `  SESSION=$(curl -s -D - -o /dev/null ${url} ${mcpHeaders} -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}' | awk -F': ' 'tolower($1)=="mcp-session-id" {print $2}' | tr -d '\\r')`,
      `  curl -s ${url} ${mcpHeaders} -H "Mcp-Session-Id: $SESSION" -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'`,
    );
  }
  lines.push('', 'Or point any MCP client at the endpoint: it finds the issuer through the 401 and the protected resource metadata.', '');
  console.log(lines.join('\n'));
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  bootstrap().catch((error: unknown) => {
    console.error(`Startup failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
