import { SEED_USERS } from '../store/example-database.js';
import type { DevClient, DevPublicClient, DevUser } from './dev-identity-provider.js';

/** The demo roles of the example: one client each, with the scopes that role may hold. */
export const DEMO_CLIENTS: readonly DevClient[] = [
  { clientId: 'demo-reader', clientSecret: 'demo-reader-secret', scopes: ['User.Read'] },
  { clientId: 'demo-writer', clientSecret: 'demo-writer-secret', scopes: ['User.Read', 'User.Write'] },
  { clientId: 'demo-admin', clientSecret: 'demo-admin-secret', scopes: ['User.Read', 'User.Write', 'Admin.Write'] },
];

/**
 * The people who can sign in on the development provider's login page: the example
 * database's seeded users (so the known-users check lets them in), each holding the
 * scopes of the demo role of the same name.
 */
export const DEMO_USERS: readonly DevUser[] = SEED_USERS.map((user) => ({
  sub: user.sub,
  displayName: user.displayName,
  scopes: DEMO_CLIENTS.find((client) => client.clientId === user.sub)?.scopes ?? [],
}));

/** The example server's own client at the development identity provider, for token introspection. */
export const DEV_RESOURCE_SERVER = { clientId: 'mcp-resource-server', clientSecret: 'mcp-resource-server-secret' } as const;

/**
 * The example server's own client for RFC 8693 token exchange at the development provider
 * (the `stock_level` tool's token for the inventory API), allowed that grant only.
 */
export const DEV_TOKEN_EXCHANGE_CLIENT = { clientId: 'mcp-token-exchange', clientSecret: 'mcp-token-exchange-secret' } as const;

/** The inventory API's scope, and the scope of the caller's token it needs (downscoping: reading stock needs User.Read). */
export const INVENTORY_SCOPES: Readonly<Record<string, string>> = { 'stock:read': 'User.Read' };

/**
 * The MCP Inspector's CLI, registered in advance: registering itself, it cannot step up (Inspector 2.12 turns the
 * 403 into a plain "log in again" and fails with `auth() returned AUTHORIZED without authorization code`); given
 * a client id (`--client-id mcp-inspector-cli`), it asks "Proceed with step-up authorization?" and does. Its
 * callback is the CLI's default, `http://127.0.0.1:6276/oauth/callback` (any port, as for every native client).
 */
export const INSPECTOR_CLI_CLIENT: DevPublicClient = {
  clientId: 'mcp-inspector-cli',
  clientName: 'MCP Inspector CLI',
  redirectUris: ['http://127.0.0.1:6276/oauth/callback'],
};
