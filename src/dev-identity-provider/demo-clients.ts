import type { DevClient } from './dev-identity-provider.js';

/** The demo roles of the example: one client each, with the scopes that role may hold. */
export const DEMO_CLIENTS: readonly DevClient[] = [
  { clientId: 'demo-reader', clientSecret: 'demo-reader-secret', scopes: ['User.Read'] },
  { clientId: 'demo-writer', clientSecret: 'demo-writer-secret', scopes: ['User.Read', 'User.Write'] },
  { clientId: 'demo-admin', clientSecret: 'demo-admin-secret', scopes: ['User.Read', 'User.Write', 'Admin.Write'] },
];

/** The example server's own client at the development identity provider, for token introspection. */
export const DEV_RESOURCE_SERVER = { clientId: 'mcp-resource-server', clientSecret: 'mcp-resource-server-secret' } as const;
