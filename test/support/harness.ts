import { Logger } from '@nestjs/common';
import { CompactSign, importJWK } from 'jose';
import type { JWTPayload } from 'jose';
import { createTestSigningKey } from 'nestjs-mcp-auth/testing';
import { bootstrap } from '../../src/main.js';
import { DEMO_CLIENTS, DEV_RESOURCE_SERVER } from '../../src/dev-identity-provider/demo-clients.js';
import { startDevIdentityProvider } from '../../src/dev-identity-provider/dev-identity-provider.js';
import type { DevIdentityProvider, DevIdentityProviderOptions } from '../../src/dev-identity-provider/dev-identity-provider.js';
import type { JsonWebKey } from 'node:crypto';
import { freePort } from './free-port.js';
import { HeldBackLogger } from './held-back-logger.js';

export { freePort };

/**
 * The suites assert what the library does by default: lists show a caller only what it may use. The example
 * itself lists everything (`MCP_LISTING=all`, so that clients reach the step-up it demonstrates); a suite that
 * wants that sets `MCP_LISTING` itself (test/listing.e2e-spec.ts, test/connection-banner.e2e-spec.ts).
 */
const LIBRARY_DEFAULT_LISTING = { MCP_LISTING: 'granted' } as const;

/** The example server, booted from environment variables, with a real identity provider on loopback. */
export interface Harness extends TestIdentity {
  readonly baseUrl: string;
  readonly resourceUrl: string;
  readonly metadataUrl: string;
  /** A token from the identity provider's token endpoint (client-credentials grant). */
  token(clientId: 'demo-reader' | 'demo-writer' | 'demo-admin', scope?: string, resource?: string): Promise<string>;
  close(): Promise<void>;
}

/** A real identity provider on loopback, plus forging with its own signing key. */
export interface TestIdentity {
  readonly idp: DevIdentityProvider;
  /** A token signed with the identity provider's own key, with any claims and header: for the cases the provider would never issue. */
  forge(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** Like `forge`, with the payload given as raw JSON text (duplicate keys, odd types): signed as is. */
  forgeRaw(payloadJson: string, header?: Record<string, unknown>): Promise<string>;
  /** Valid claims for this resource: override what a case needs. */
  claims(overrides?: JWTPayload): JWTPayload;
}

/** Identity provider settings a test may change (opaque tokens, short lifetimes, other resources, introspecting clients). */
export type HarnessIdpOptions = Partial<
  Pick<
    DevIdentityProviderOptions,
    'accessTokenFormat' | 'accessTokenTtlSeconds' | 'otherResources' | 'resourceServers' | 'users' | 'fetch' | 'tokenExchange'
  >
>;

/** Starts the development identity provider for `resourceUrl`, signing with a key the tests hold too. */
export async function startTestIdentity(resourceUrl: string, idpOptions: HarnessIdpOptions = {}): Promise<TestIdentity> {
  // The provider signs with a key the tests hold too, so they can forge what it would never issue.
  const signingKey = await createTestSigningKey();
  const idp = await startDevIdentityProvider({
    resourceUrl,
    clients: DEMO_CLIENTS,
    signingKey: signingKey.privateJwk as JsonWebKey & { kid: string },
    ...idpOptions,
  });
  const privateKey = await importJWK(signingKey.privateJwk, 'RS256');
  const claims = (overrides: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: idp.issuer,
      aud: resourceUrl,
      sub: 'demo-reader',
      client_id: 'forged-client',
      iat: now,
      exp: now + 300,
      scope: 'User.Read',
      ...overrides,
    };
  };
  return {
    idp,
    claims,
    forge: (payload, header = {}) => signingKey.sign(payload, { typ: 'at+jwt', ...header }),
    forgeRaw: (payloadJson, header = {}) =>
      new CompactSign(new TextEncoder().encode(payloadJson))
        .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, typ: 'at+jwt', ...header })
        .sign(privateKey),
  };
}

/**
 * The example server with a real identity provider. With `MCP_AUTH_MODE=introspection` the
 * provider issues opaque tokens and the example introspects them as its own client.
 */
export async function startHarness(env: Record<string, string> = {}, idpOptions: HarnessIdpOptions = {}): Promise<Harness> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const resourceUrl = `${baseUrl}/mcp`;
  const introspection = env.MCP_AUTH_MODE === 'introspection';
  const identity = await startTestIdentity(resourceUrl, {
    ...(introspection ? { accessTokenFormat: 'opaque' as const, resourceServers: [DEV_RESOURCE_SERVER] } : {}),
    ...idpOptions,
  });
  const { idp } = identity;
  const app = await bootstrap({
    PORT: String(port),
    HOST: '127.0.0.1',
    MCP_AUTH_ISSUER: idp.issuer,
    MCP_RESOURCE_URL: resourceUrl,
    LOG_LEVEL: 'warn',
    ...LIBRARY_DEFAULT_LISTING,
    ...(introspection
      ? {
          MCP_AUTH_INTROSPECTION_CLIENT_ID: DEV_RESOURCE_SERVER.clientId,
          MCP_AUTH_INTROSPECTION_CLIENT_SECRET: DEV_RESOURCE_SERVER.clientSecret,
        }
      : {}),
    ...env,
  }).catch(async (error) => {
    await idp.close();
    throw error;
  });
  holdBackExampleLogs();
  return {
    ...identity,
    baseUrl,
    resourceUrl,
    metadataUrl: `${baseUrl}/.well-known/oauth-protected-resource/mcp`,
    token: (clientId, scope, resource) => idp.token(clientId, scope, resource),
    close: async () => {
      await app.close();
      await idp.close();
    },
  };
}

/** The example server alone, booted from environment variables, for tests that bring their own identity provider. */
export interface ExampleServer {
  readonly baseUrl: string;
  readonly resourceUrl: string;
  readonly metadataUrl: string;
  close(): Promise<void>;
}

/** Boots the example on a free loopback port; `env(resourceUrl)` gives the variables that depend on it. */
export async function startExample(env: (resourceUrl: string) => Record<string, string>): Promise<ExampleServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const resourceUrl = `${baseUrl}/mcp`;
  const app = await bootstrap({
    PORT: String(port),
    HOST: '127.0.0.1',
    MCP_RESOURCE_URL: resourceUrl,
    LOG_LEVEL: 'error',
    ...LIBRARY_DEFAULT_LISTING,
    ...env(resourceUrl),
  });
  holdBackExampleLogs();
  return { baseUrl, resourceUrl, metadataUrl: `${baseUrl}/.well-known/oauth-protected-resource/mcp`, close: () => app.close() };
}

/**
 * The example switches Nest's logger to its own once it listens (`app.useLogger`), which prints; in the tests its
 * lines are held back like every other Nest line and shown under a failing test only (test/support/held-back-logger.ts).
 */
function holdBackExampleLogs(): void {
  Logger.overrideLogger(new HeldBackLogger());
}

/** The names of the tools a client may list, sorted. */
export async function toolNames(client: { listTools(): Promise<{ tools: Array<{ name: string }> }> }): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name).sort();
}

/** The JSON a tool call returned as its text content. */
export function toolJson(result: object): any {
  return JSON.parse((result as { content: Array<{ text: string }> }).content[0].text);
}

/** Builds the JSON-RPC requests the tests send by hand. */
export const rpc = {
  initialize: (id = 1) => ({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1.0.0' } },
  }),
  initialized: () => ({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  listTools: (id = 2) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: {} }),
  callTool: (name: string, args: Record<string, unknown> = {}, id = 3) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args },
  }),
  readResource: (uri: string, id = 4) => ({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri } }),
  getPrompt: (name: string, args: Record<string, string> = {}, id = 5) => ({
    jsonrpc: '2.0',
    id,
    method: 'prompts/get',
    params: { name, arguments: args },
  }),
};

/** A raw MCP POST: what a minimal client sends, with the headers the transport requires. */
export async function post(
  url: string,
  body: unknown,
  { token, headers = {} }: { token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Opens a session by hand (initialize + initialized) and returns its id. */
export async function openSession(url: string, token: string): Promise<string> {
  const response = await post(url, rpc.initialize(), { token });
  if (response.status !== 200) throw new Error(`initialize answered ${response.status}: ${await response.text()}`);
  const sessionId = response.headers.get('mcp-session-id');
  if (!sessionId) throw new Error('initialize returned no Mcp-Session-Id');
  await response.text();
  const ack = await post(url, rpc.initialized(), { token, headers: { 'mcp-session-id': sessionId } });
  await ack.text();
  return sessionId;
}

/** Opens a legacy session's server-to-client stream (GET) as a 2025-11-25 client does. */
export function openSessionStream(url: string, token: string, sessionId: string): Promise<Response> {
  return fetch(url, {
    headers: {
      authorization: `Bearer ${token}`,
      'mcp-session-id': sessionId,
      accept: 'text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
  });
}

/**
 * Sends a request the way a client in `mode` would: on a fresh session of its own when
 * the server keeps sessions.
 */
export async function postInMode(
  mode: 'stateless' | 'session',
  url: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  if (mode === 'stateless') return post(url, body, { token, headers });
  return post(url, body, { token, headers: { 'mcp-session-id': await openSession(url, token), ...headers } });
}

/** Parses the parameters of a `WWW-Authenticate: Bearer ...` header. */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } {
  if (!header) throw new Error('no WWW-Authenticate header');
  const [scheme] = header.split(' ', 1);
  const params: Record<string, string> = {};
  const pattern = /([a-z_]+)="((?:[^"\\]|\\.)*)"/g;
  for (let match = pattern.exec(header); match; match = pattern.exec(header)) {
    params[match[1]] = match[2].replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

/** MCP_SCOPE_HIERARCHY for the example: an administrator may write, a writer may read. */
export const EXAMPLE_SCOPE_HIERARCHY = JSON.stringify({ 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'] });
