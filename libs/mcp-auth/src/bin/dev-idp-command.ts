import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import { startTestIdentityProvider } from '../testing/test-identity-provider.js';
import type { TestIdentityProvider } from '../testing/test-identity-provider.js';
import { createTestSigningKey, importTestSigningKey } from '../testing/test-signing-key.js';
import type { TestSigningKey } from '../testing/test-signing-key.js';

/** The MCP revision of the printed requests: one request, no session, as any 2026-07-28 client sends it. */
const MODERN_REVISION = '2026-07-28';
/** Where the key is kept unless `--key-file` says otherwise: git-ignored in any Node.js project, gone with `node_modules`. */
const DEFAULT_KEY_FILE = 'node_modules/.cache/nestjs-mcp-auth/dev-idp-key.json';
const DEFAULT_TTL_SECONDS = 12 * 60 * 60;

export const DEV_IDP_USAGE = `Usage: nestjs-mcp-auth dev-idp --resource <url> [options]

A development identity provider for your own MCP server: discovery and signing keys on a loopback port, and a
signed access token per demo user, printed as curl lines that call your server's tools/list.

  --resource <url>        your server's resource URL (McpAuthModule's resourceUrl): the tokens' audience
  --scopes <a,b>          the scopes every user of --users holds (default: none)
  --users <alice,bob>     demo users (the tokens' sub), each holding --scopes (default: dev-user)
  --user <name=a,b>       a demo user with scopes of its own; repeat for several
  --port <n>              the provider's port (default: the resource URL's port + 1), kept across runs
  --shape <oidc|keycloak> URLs and claims of a generic issuer (default) or of a Keycloak realm
  --realm <name>          the realm, with --shape keycloak (default: dev)
  --ttl <time>            how long tokens last: 3600, 30m, 12h (default: 12h)
  --key-file <path>       where the signing key is kept, so that earlier tokens stay valid
                          (default: ${DEFAULT_KEY_FILE})

Runs until Ctrl-C.`;

/** A demo user of the development provider: the token's `sub` and the scopes it carries. */
export interface DevIdpUser {
  readonly name: string;
  readonly scopes: readonly string[];
}

/** The command line, checked. */
export interface DevIdpSettings {
  readonly resourceUrl: string;
  readonly users: readonly DevIdpUser[];
  readonly port: number;
  readonly shape: 'oidc' | 'keycloak';
  readonly realm: string;
  readonly ttlSeconds: number;
  readonly keyFile: string;
}

/** A mistake on the command line: the message says which option and what it takes. */
export class DevIdpUsageError extends Error {
  override readonly name = 'DevIdpUsageError';
}

/** Reads `nestjs-mcp-auth dev-idp`'s arguments (after `dev-idp`); `cwd` anchors a relative `--key-file`. */
export function parseDevIdpArguments(argv: readonly string[], cwd = process.cwd()): DevIdpSettings {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        resource: { type: 'string' },
        scopes: { type: 'string' },
        users: { type: 'string' },
        user: { type: 'string', multiple: true },
        port: { type: 'string' },
        shape: { type: 'string' },
        realm: { type: 'string' },
        ttl: { type: 'string' },
        'key-file': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new DevIdpUsageError((error as Error).message);
  }
  const resourceUrl = resourceUrlOf(values.resource);
  const scopes = listOf(values.scopes) ?? [];
  const users: DevIdpUser[] = [
    ...(values.users !== undefined || !values.user ? (listOf(values.users ?? 'dev-user') ?? []).map((name) => ({ name, scopes })) : []),
    ...(values.user ?? []).map(userOf),
  ];
  if (users.length === 0) throw new DevIdpUsageError('--users needs at least one name, e.g. --users alice,bob');
  const shape = values.shape ?? 'oidc';
  if (shape !== 'oidc' && shape !== 'keycloak') throw new DevIdpUsageError(`--shape must be oidc or keycloak (got "${shape}")`);
  return {
    resourceUrl,
    users,
    port: portOf(values.port, resourceUrl),
    shape,
    realm: values.realm ?? 'dev',
    ttlSeconds: ttlOf(values.ttl),
    keyFile: resolve(cwd, values['key-file'] ?? DEFAULT_KEY_FILE),
  };
}

/** A running development provider, and what it printed. */
export interface RunningDevIdp {
  readonly idp: TestIdentityProvider;
  readonly instructions: string;
  close(): Promise<void>;
}

/**
 * Starts the development provider the settings describe and returns it with the instructions to print: the
 * options for `McpAuthModule.forRoot`, and one curl line per user with a freshly signed token.
 */
export async function startDevIdp(settings: DevIdpSettings): Promise<RunningDevIdp> {
  const signingKey = await keptSigningKey(settings.keyFile);
  let idp: TestIdentityProvider;
  try {
    idp = await startTestIdentityProvider({
      shape: settings.shape,
      realm: settings.realm,
      audience: settings.resourceUrl,
      port: settings.port,
      signingKey,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' || (error as NodeJS.ErrnoException).code === 'EACCES') {
      throw new DevIdpUsageError(`127.0.0.1:${settings.port} is not available (${(error as Error).message}): choose another with --port`);
    }
    throw error;
  }
  const tokens = await Promise.all(
    settings.users.map((user) =>
      idp.token(
        { sub: user.name, scope: user.scopes.length ? user.scopes.join(' ') : undefined, client_id: 'nestjs-mcp-auth-dev-idp' },
        { expiresIn: settings.ttlSeconds },
      ),
    ),
  );
  return { idp, instructions: instructions(settings, idp, tokens), close: () => idp.close() };
}

function instructions(settings: DevIdpSettings, idp: TestIdentityProvider, tokens: readonly string[]): string {
  const { resourceUrl } = settings;
  const forRoot =
    settings.shape === 'keycloak'
      ? `{ resourceUrl: '${resourceUrl}', issuers: [keycloak({ url: '${idp.url}', realm: '${settings.realm}' })] }`
      : `{ issuer: '${idp.issuer}', resourceUrl: '${resourceUrl}' }`;
  const request = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/list',
    params: {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_REVISION,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'curl', version: '1' },
      },
    },
  });
  const curl = (token: string) =>
    `curl -s ${resourceUrl} -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' ` +
    `-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: ${MODERN_REVISION}' -H 'Mcp-Method: tools/list' -d '${request}'`;
  const hours = settings.ttlSeconds / 3600;
  return [
    '',
    `Development identity provider for ${resourceUrl}`,
    `  issuer: ${idp.issuer} (discovery and keys at its usual paths; signing key kept in ${settings.keyFile})`,
    '',
    'Your application:',
    `  McpAuthModule.forRoot(${forRoot})`,
    '',
    `Tokens, valid ${Number.isInteger(hours) ? `${hours} h` : `${settings.ttlSeconds} s`} (run this again for fresh ones; the kept key keeps earlier ones valid):`,
    ...settings.users.flatMap((user, index) => [`  ${user.name} (${user.scopes.join(' ') || 'no scopes'}):`, `    ${curl(tokens[index])}`]),
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

/** The signing key kept in `file` (made there, readable by its owner only, on first use). */
async function keptSigningKey(file: string): Promise<TestSigningKey> {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    try {
      return await importTestSigningKey(JSON.parse(text) as JWK & { kid: string });
    } catch {
      throw new DevIdpUsageError(`${file} does not hold a private RSA key with a kid: delete it to have a new one made`);
    }
  }
  const key = await createTestSigningKey(`dev-idp-${Date.now().toString(36)}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(key.privateJwk), { mode: 0o600 });
  return key;
}

function resourceUrlOf(value: string | undefined): string {
  if (!value) throw new DevIdpUsageError("--resource is required: your server's resource URL, e.g. --resource http://127.0.0.1:3000/mcp");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DevIdpUsageError(`--resource must be an absolute URL (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DevIdpUsageError(`--resource must be an http(s) URL (got "${value}")`);
  return value.replace(/\/+$/, '');
}

function portOf(value: string | undefined, resourceUrl: string): number {
  if (value === undefined) {
    const url = new URL(resourceUrl);
    const resourcePort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return resourcePort + 1;
  }
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new DevIdpUsageError(`--port must be a port number (got "${value}")`);
  return port;
}

function ttlOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TTL_SECONDS;
  const match = /^(\d+)([smh]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600 }[match[2] as '' | 's' | 'm' | 'h'] : 0;
  if (!seconds) throw new DevIdpUsageError(`--ttl must be a duration like 3600, 30m or 12h (got "${value}")`);
  return seconds;
}

function userOf(value: string): DevIdpUser {
  const [name, scopes = ''] = value.split('=', 2);
  if (!name.trim()) throw new DevIdpUsageError(`--user must be a name with its scopes, like alice=User.Read,User.Write (got "${value}")`);
  return { name: name.trim(), scopes: listOf(scopes) ?? [] };
}

function listOf(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
}
